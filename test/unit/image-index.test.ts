import type * as k8s from '@kubernetes/client-node';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex, type CheckUnit } from '../../src/index/image-index.js';

function recorder() {
  const added: string[] = [];
  const removed: string[] = [];
  return { added, removed, listener: { unitAdded: (u: CheckUnit) => added.push(u.key), unitRemoved: (k: string) => removed.push(k) } };
}

const pod = (containers: Array<[string, string]>, extra: Partial<k8s.V1PodSpec> = {}): k8s.V1PodSpec => ({
  containers: containers.map(([name, image]) => ({ name, image })),
  ...extra,
});

describe('image index', () => {
  test('one image used by many workloads without secrets is one unit', () => {
    const r = recorder();
    const index = new ImageIndex(new ImageFilter([]), r.listener);
    index.upsertWorkload({ kind: 'deployment', namespace: 'a', name: 'web', podSpec: pod([['app', 'nginx']]) });
    index.upsertWorkload({ kind: 'statefulset', namespace: 'b', name: 'db', podSpec: pod([['app', 'docker.io/library/nginx:latest']]) });
    expect(r.added).toEqual(['docker.io/library/nginx:latest']);
    expect([...index.usages()].map((u) => u.image)).toEqual(['nginx', 'docker.io/library/nginx:latest']);
    index.deleteWorkload('deployment', 'a', 'web');
    expect(r.removed).toEqual([]);
    index.deleteWorkload('statefulset', 'b', 'db');
    expect(r.removed).toEqual(['docker.io/library/nginx:latest']);
  });

  test('init containers are indexed too', () => {
    const index = new ImageIndex(new ImageFilter([]), recorder().listener);
    index.upsertWorkload({ kind: 'cronjob', namespace: 'a', name: 'job', podSpec: pod([['main', 'app:1']], { initContainers: [{ name: 'init', image: 'busybox:1.36' }] }) });
    expect([...index.usages()].map((u) => `${u.container}=${u.image}`)).toEqual(['init=busybox:1.36', 'main=app:1']);
  });

  test('pull secrets of the template and of the ServiceAccount make a per-namespace unit', () => {
    const r = recorder();
    const index = new ImageIndex(new ImageFilter([]), r.listener);
    index.setServiceAccount('team', 'builder', ['sa-secret']);
    index.upsertWorkload({ kind: 'deployment', namespace: 'team', name: 'web', podSpec: pod([['app', 'r.example/app:1']], { serviceAccountName: 'builder', imagePullSecrets: [{ name: 'tpl-secret' }] }) });
    const [usage] = [...index.usages()];
    expect(usage.unit?.namespace).toBe('team');
    expect(usage.unit?.pullSecrets).toEqual(['sa-secret', 'tpl-secret']);
  });

  test('a ServiceAccount change re-derives the units of its workloads only', () => {
    const r = recorder();
    const index = new ImageIndex(new ImageFilter([]), r.listener);
    index.upsertWorkload({ kind: 'deployment', namespace: 'team', name: 'web', podSpec: pod([['app', 'r.example/app:1']]) });
    index.upsertWorkload({ kind: 'deployment', namespace: 'team', name: 'other', podSpec: pod([['app', 'r.example/other:1']], { serviceAccountName: 'other' }) });
    expect(r.added).toEqual(['r.example/app:1', 'r.example/other:1']);
    index.setServiceAccount('team', 'default', ['regcred']);
    expect(r.added).toEqual(['r.example/app:1', 'r.example/other:1', 'r.example/app:1 team/regcred']);
    expect(r.removed).toEqual(['r.example/app:1']);
    index.setServiceAccount('team', 'default', ['regcred']);
    expect(r.added).toHaveLength(3);
  });

  test('an updated image swaps units; an unchanged one stays', () => {
    const r = recorder();
    const index = new ImageIndex(new ImageFilter([]), r.listener);
    index.upsertWorkload({ kind: 'deployment', namespace: 'a', name: 'web', podSpec: pod([['a', 'x:1'], ['b', 'y:1']]) });
    index.upsertWorkload({ kind: 'deployment', namespace: 'a', name: 'web', podSpec: pod([['a', 'x:2'], ['b', 'y:1']]) });
    expect(r.added).toEqual(['docker.io/library/x:1', 'docker.io/library/y:1', 'docker.io/library/x:2']);
    expect(r.removed).toEqual(['docker.io/library/x:1']);
  });

  test('a bad reference becomes a usage with its reason, and no unit', () => {
    const r = recorder();
    const index = new ImageIndex(new ImageFilter([]), r.listener);
    index.upsertWorkload({ kind: 'daemonset', namespace: 'a', name: 'agent', podSpec: pod([['a', 'Bad:Image:Ref'], ['b', '']]) });
    const usages = [...index.usages()];
    expect(usages.map((u) => u.badReference !== undefined)).toEqual([true, true]);
    expect(r.added).toEqual([]);
  });

  test('ignored images: exact, normalised, repository and glob forms', () => {
    const index = new ImageIndex(new ImageFilter(['nginx:1.25', 'docker.io/library/redis', 'quay.io/*', 'Bad*']), recorder().listener);
    index.upsertWorkload({
      kind: 'deployment',
      namespace: 'a',
      name: 'w',
      podSpec: pod([['a', 'nginx:1.25'], ['b', 'nginx:1.26'], ['c', 'redis:7'], ['d', 'quay.io/x/y:1'], ['e', 'Bad::ref'], ['f', 'docker.io/library/nginx:1.25']]),
    });
    expect([...index.usages()].map((u) => u.container)).toEqual(['b']);
  });

  test('null containers and odd entries do not throw', () => {
    const index = new ImageIndex(new ImageFilter([]), recorder().listener);
    const podSpec = { containers: [null, { name: 'x' }, { name: 'y', image: 42 }] } as unknown as k8s.V1PodSpec;
    expect(() => index.upsertWorkload({ kind: 'deployment', namespace: 'a', name: 'w', podSpec })).not.toThrow();
    expect([...index.usages()].map((u) => u.badReference)).toEqual(['empty image reference', 'empty image reference']);
  });
});
