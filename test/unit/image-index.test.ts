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

  // The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount, TestAddImagePullSecrets
  // and TestDoNotAddImagePullSecrets): a pod gets its ServiceAccount's imagePullSecrets only when
  // it names none itself. Rows: [template's list, ServiceAccount, its list, secrets the kubelet reads].
  test.each([
    [undefined, undefined, ['foo', 'bar'], ['foo', 'bar']],
    [['foo'], undefined, ['foo', 'bar'], ['foo']],
    [undefined, 'builder', ['sa-secret'], ['sa-secret']],
    [[], 'builder', ['sa-secret', 'sa-other'], ['sa-secret', 'sa-other']],
    [['tpl-secret'], 'builder', ['sa-secret'], ['tpl-secret']],
    [['b', 'a', 'b'], 'builder', ['sa-secret'], ['b', 'a']],
    [undefined, undefined, ['default-secret'], ['default-secret']],
    [undefined, 'nobody', [], []],
    // ours: an entry with an empty name still counts as "names some" (the list is not empty), and
    // the kubelet skips the empty name when it reads the secrets.
    [[''], 'builder', ['sa-secret'], []],
  ] as Array<[string[] | undefined, string | undefined, string[], string[]]>)('template %j, ServiceAccount %s with %j → reads %j', (own, account, accountSecrets, expected) => {
    const index = new ImageIndex(new ImageFilter([]), recorder().listener);
    index.setServiceAccount('team', account ?? 'default', accountSecrets);
    const podSpec = pod([['app', 'r.example/app:1']], { ...(account ? { serviceAccountName: account } : {}), ...(own ? { imagePullSecrets: own.map((name) => ({ name })) } : {}) });
    index.upsertWorkload({ kind: 'deployment', namespace: 'team', name: 'web', podSpec });
    const [usage] = [...index.usages()];
    expect(usage.unit?.pullSecrets).toEqual(expected);
    expect(usage.unit?.namespace).toBe(expected.length > 0 ? 'team' : undefined);
  });

  test('a pull secret name longer than any Secret name is cut, so units stay small', () => {
    const index = new ImageIndex(new ImageFilter([]), recorder().listener);
    index.upsertWorkload({ kind: 'deployment', namespace: 'team', name: 'web', podSpec: pod([['app', 'r.example/app:1']], { imagePullSecrets: [{ name: 'n'.repeat(100_000) }] }) });
    const [name] = [...index.usages()][0].unit!.pullSecrets;
    expect(name).toBe(`${'n'.repeat(250)}...`);
  });

  test('the deprecated serviceAccount field names the ServiceAccount when serviceAccountName is empty', () => {
    const index = new ImageIndex(new ImageFilter([]), recorder().listener);
    index.setServiceAccount('team', 'legacy', ['legacy-secret']);
    index.upsertWorkload({ kind: 'deployment', namespace: 'team', name: 'web', podSpec: pod([['app', 'r.example/app:1']], { serviceAccount: 'legacy' }) });
    expect([...index.usages()][0].unit?.pullSecrets).toEqual(['legacy-secret']);
  });

  test('over 32 pull secret names: no name is kept, the unit says how many, one warning per workload change', () => {
    const warnings: string[] = [];
    const r = recorder();
    const index = new ImageIndex(new ImageFilter([]), { ...r.listener, workloadWarning: (w, message) => warnings.push(`${w.kind} ${w.namespace}/${w.name}: ${message}`) });
    const many = Array.from({ length: 3000 }, (_, i) => ({ name: `s${i}` }));
    const spec = pod([['a', 'r.example/a:1'], ['b', 'r.example/b:1']], { imagePullSecrets: many });
    index.upsertWorkload({ kind: 'deployment', namespace: 'team', name: 'web', podSpec: spec });
    index.upsertWorkload({ kind: 'deployment', namespace: 'team', name: 'web', podSpec: { ...spec } });
    const units = [...index.usages()].map((u) => u.unit!);
    expect(units.map((u) => [u.pullSecrets.length, u.pullSecretsOverLimit])).toEqual([
      [0, 3000],
      [0, 3000],
    ]);
    expect(units[0].key.length).toBeLessThan(100);
    expect(warnings).toEqual(['deployment team/web: the pod template names 3000 pull secrets; the exporter reads at most 32 per workload and reports its images unknown_error: name fewer']);
    index.upsertWorkload({ kind: 'deployment', namespace: 'team', name: 'web', podSpec: pod([['a', 'r.example/a:1']], { imagePullSecrets: many.slice(0, 32) }) });
    expect([...index.usages()][0].unit?.pullSecrets).toHaveLength(32);
    expect(warnings).toHaveLength(1);
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
