import { CheckResults } from '../../src/checks/results.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { availabilityChunks } from '../../src/metrics.js';
import type { Status } from '../../src/status.js';

function setup() {
  const results = new CheckResults();
  const index = new ImageIndex(new ImageFilter([]), { unitAdded: () => {}, unitRemoved: () => {} });
  const record = (status: Status) => ({ status, message: '', registry: 'r', checkedAt: 0, durationMs: 1, consecutiveFailures: 0 });
  return { results, index, record };
}

function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    map.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return map;
}

describe('availability metric families', () => {
  test('exactly one of the eight statuses is 1 per usage, with the Go exporter labels', () => {
    const { results, index, record } = setup();
    index.upsertWorkload({ kind: 'deployment', namespace: 'shop', name: 'web', podSpec: { containers: [{ name: 'app', image: 'r.example/web:1' }] } });
    results.set('r.example/web:1', record('absent'));
    const s = samples([...availabilityChunks(index, results)].join(''));
    const labels = '{namespace="shop",deployment="web",container="app",image="r.example/web:1"}';
    expect(s.get(`k8s_image_availability_exporter_deployment_absent${labels}`)).toBe(1);
    expect(s.get(`k8s_image_availability_exporter_deployment_available${labels}`)).toBe(0);
    const ones = [...s.entries()].filter(([name, value]) => name.endsWith(labels) && value === 1);
    const all = [...s.keys()].filter((name) => name.endsWith(labels));
    expect(ones).toHaveLength(1);
    expect(all).toHaveLength(8);
  });

  test('every kind has its own label name', () => {
    const { results, index, record } = setup();
    for (const kind of ['deployment', 'statefulset', 'daemonset', 'cronjob'] as const) {
      index.upsertWorkload({ kind, namespace: 'n', name: `${kind}-x`, podSpec: { containers: [{ name: 'c', image: 'r.example/a:1' }] } });
    }
    results.set('r.example/a:1', record('available'));
    const text = [...availabilityChunks(index, results)].join('');
    for (const kind of ['deployment', 'statefulset', 'daemonset', 'cronjob']) {
      expect(text).toContain(`k8s_image_availability_exporter_${kind}_available{namespace="n",${kind}="${kind}-x",container="c",image="r.example/a:1"} 1`);
    }
  });

  test('an unchecked image has no series yet; a bad reference is bad_image_format at once', () => {
    const { results, index } = setup();
    index.upsertWorkload({ kind: 'daemonset', namespace: 'n', name: 'd', podSpec: { containers: [{ name: 'ok', image: 'r.example/a:1' }, { name: 'bad', image: 'UPPER/Case' }] } });
    const s = samples([...availabilityChunks(index, results)].join(''));
    expect([...s.keys()].some((k) => k.includes('container="ok"'))).toBe(false);
    expect(s.get('k8s_image_availability_exporter_daemonset_bad_image_format{namespace="n",daemonset="d",container="bad",image="UPPER/Case"}')).toBe(1);
  });

  test('label values are escaped', () => {
    const { results, index } = setup();
    index.upsertWorkload({ kind: 'deployment', namespace: 'n', name: 'd', podSpec: { containers: [{ name: 'c', image: 'bad"\\\nimage' }] } });
    expect([...availabilityChunks(index, results)].join('')).toContain('image="bad\\"\\\\\\nimage"} 1');
  });

  test('a deleted workload takes its series with it', () => {
    const { results, index, record } = setup();
    index.upsertWorkload({ kind: 'deployment', namespace: 'n', name: 'gone', podSpec: { containers: [{ name: 'c', image: 'r.example/a:1' }] } });
    results.set('r.example/a:1', record('available'));
    index.deleteWorkload('deployment', 'n', 'gone');
    expect([...availabilityChunks(index, results)].join('')).not.toContain('gone');
  });
});
