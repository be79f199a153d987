import { loadSettings } from '../../src/settings/config.js';
import { filterNotice, FilterNoticeLog } from '../../src/index/filter-notice.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import type { Logger } from '../../src/log/log.js';

// Each holds an a or a b, as most image names do.
const IMAGES = ['bitnami/redis:7', 'quay.io/prometheus/node-exporter:v1.8.0', 'ghcr.io/shop/api:2.3.1', 'registry.k8s.io/kube-apiserver:v1.31.0', 'docker.io/library/nginx:1.25'];

function clusterWith(ignoredImages: string[], allowedImages: string[] = [], shard = { index: 0, total: 1 }) {
  const index = new ImageIndex(new ImageFilter(ignoredImages, allowedImages, undefined, shard), { unitAdded: () => {}, unitRemoved: () => {} });
  for (let i = 0; i < 17; i++) {
    index.upsertWorkload({ kind: 'deployment', namespace: 'shop', name: `app-${i}`, podSpec: { containers: [{ name: 'c', image: IMAGES[i % IMAGES.length] }] } });
  }
  return index;
}

describe('image filters that leave out most images, or all', () => {
  test('the Go form a~b ignores every image: the notice says none is checked, names the setting and how ~ values match', () => {
    const settings = loadSettings(['-ignored-images', 'a~b'], {});
    const index = clusterWith(settings.ignoredImages);
    expect(index.unitCount).toBe(0);
    expect(index.filterCounts).toEqual({ considered: 17, ignoredImages: 17, allowedImages: 0 });
    expect(filterNotice(index.filterCounts, settings)).toBe(
      'Of the 17 containers\' images in the cluster, none of them is checked: --ignored-images (ignoredImages) ignores 17 of them, matching "regex:a", "regex:b". ' +
        'A value with ~ (or regex:) is the Go exporter\'s form: regular expressions separated by ~, each matched anywhere in the image, so a short one matches nearly every image. Change the setting if that is not meant.',
    );
  });

  test('allowedImages that lets few through is named with its patterns', () => {
    const settings = { ignoredImages: [], allowedImages: ['ghcr.io/shop/*'] };
    const index = clusterWith(settings.ignoredImages, settings.allowedImages);
    expect(filterNotice(index.filterCounts, settings)).toBe(
      'Of the 17 containers\' images in the cluster, only 3 are checked: --allowed-images (allowedImages) leaves out 14 of them: only images matching "ghcr.io/shop/*" are checked. Change the setting if that is not meant.',
    );
  });

  test('filters that leave most images checked, and other shards\' images, say nothing', () => {
    expect(filterNotice(clusterWith(['redis']).filterCounts, { ignoredImages: ['redis'], allowedImages: [] })).toBeUndefined();
    const otherShard = clusterWith([], [], { index: 5, total: 6 });
    expect(otherShard.filterCounts).toEqual({ considered: 0, ignoredImages: 0, allowedImages: 0 });
  });

  test('the counts follow updates and deletions', () => {
    const index = clusterWith(['nginx']);
    expect(index.filterCounts).toEqual({ considered: 17, ignoredImages: 3, allowedImages: 0 });
    index.upsertWorkload({ kind: 'deployment', namespace: 'shop', name: 'app-0', podSpec: { containers: [{ name: 'c', image: 'redis:7' }] } });
    index.deleteWorkload('deployment', 'shop', 'app-4');
    expect(index.filterCounts).toEqual({ considered: 16, ignoredImages: 2, allowedImages: 0 });
  });

  test('the log says it once the first lists are in, again only when it changes, and when it goes', () => {
    const lines: Array<[string, string]> = [];
    const log = { warn: (_fields: object, message: string) => lines.push(['warn', message]), info: (_fields: object, message: string) => lines.push(['info', message]) } as unknown as Logger;
    let ready = false;
    const settings = { ignoredImages: ['regex:a'], allowedImages: [] };
    const index = clusterWith(settings.ignoredImages);
    const told = new FilterNoticeLog(() => index.filterCounts, settings, log, () => ready);
    told.look();
    expect(lines).toEqual([]);
    ready = true;
    told.look();
    told.look();
    index.upsertWorkload({ kind: 'deployment', namespace: 'shop', name: 'more', podSpec: { containers: [{ name: 'c', image: 'quay.io/x:1' }] } });
    told.look();
    expect(lines).toHaveLength(1);
    expect(lines[0][0]).toBe('warn');
    expect(lines[0][1]).toMatch(/^Of the 17 containers' images in the cluster, none of them is checked: --ignored-images/);
    for (let i = 0; i < 20; i++) index.upsertWorkload({ kind: 'deployment', namespace: 'other', name: `kept-${i}`, podSpec: { containers: [{ name: 'c', image: 'ghcr.io/y:1' }] } });
    told.look();
    expect(lines[1]).toEqual(['info', 'the image filters (ignoredImages, allowedImages) no longer leave out most images']);
  });
});
