// The four workload kinds keep, of each watched object, only what decides their checks: the
// answers of podSpec() and disabled() are the same on the kept copy as on the object the API
// server sent, which is several times larger.
import { isOutOfShard, outOfShardProjection, serviceAccountProjection } from '../../src/kube/object-projection.js';
import { WORKLOAD_KINDS } from '../../src/kube/workload-kinds.js';
import type { KubeObject } from '../../src/kube/kube-object.js';

const podSpec = {
  serviceAccountName: 'builder',
  imagePullSecrets: [{ name: 'regcred' }],
  initContainers: [{ name: 'migrate', image: 'registry.example.com/team/migrate:v3', command: ['migrate', '--up'], resources: {}, terminationMessagePath: '/dev/termination-log', imagePullPolicy: 'IfNotPresent' }],
  containers: [
    {
      name: 'app',
      image: 'registry.example.com/team/app:v3',
      env: Array.from({ length: 20 }, (_, i) => ({ name: `SETTING_${i}`, value: `value-${i}`.repeat(4) })),
      ports: [{ containerPort: 8080, protocol: 'TCP' }],
      resources: { limits: { cpu: '1', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
      readinessProbe: { httpGet: { path: '/ready', port: 8080, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'IfNotPresent',
    },
  ],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  dnsPolicy: 'ClusterFirst',
  securityContext: {},
  schedulerName: 'default-scheduler',
};

const metadata = {
  name: 'web',
  namespace: 'shop',
  uid: '6f1c7a2e-0000-4000-8000-000000000001',
  resourceVersion: '4711',
  generation: 3,
  labels: { app: 'web', team: 'shop' },
  annotations: { 'deployment.kubernetes.io/revision': '3', 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec: { template: { spec: podSpec } } }) },
  managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': {} } } } } }],
};

const template = { metadata: { labels: { app: 'web' } }, spec: podSpec };
const objects: Record<string, (replicasOrSuspend: boolean) => KubeObject> = {
  deployment: (zero) => ({ metadata, spec: { replicas: zero ? 0 : 3, selector: { matchLabels: { app: 'web' } }, strategy: { type: 'RollingUpdate' }, template }, status: { replicas: 3, readyReplicas: 3 } }) as KubeObject,
  statefulset: (zero) => ({ metadata, spec: { replicas: zero ? 0 : 2, serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template }, status: { replicas: 2 } }) as KubeObject,
  daemonset: () => ({ metadata, spec: { selector: { matchLabels: { app: 'web' } }, template }, status: { numberReady: 5 } }) as KubeObject,
  cronjob: (suspended) => ({ metadata, spec: { schedule: '*/5 * * * *', suspend: suspended, jobTemplate: { spec: { backoffLimit: 6, template } } }, status: { lastScheduleTime: '2026-01-01T00:00:00Z' } }) as KubeObject,
};

describe.each(WORKLOAD_KINDS.map((kind) => [kind.kind, kind] as const))('%s', (name, kind) => {
  test.each([false, true])('kept copy (scaled to zero or suspended: %s) → the same pod spec check fields, disabled and finished answers', (off) => {
    const full = objects[name](off);
    const kept = kind.project!(full);
    const keptSpec = kind.podSpec(kept)!;
    expect(keptSpec.containers.map((c) => [c.name, c.image])).toEqual([['app', 'registry.example.com/team/app:v3']]);
    expect(keptSpec.initContainers?.map((c) => [c.name, c.image])).toEqual([['migrate', 'registry.example.com/team/migrate:v3']]);
    expect(keptSpec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(keptSpec.serviceAccountName).toBe('builder');
    expect(kind.disabled(kept)).toBe(kind.disabled(full));
    expect(kind.finished(kept)).toBe(kind.finished(full));
    expect(kept.metadata).toEqual({ name: 'web', namespace: 'shop', uid: metadata.uid, resourceVersion: '4711' });
  });

  test('kept copy → under a fifth of the object as sent', () => {
    const full = objects[name](false);
    expect(JSON.stringify(kind.project!(full)).length).toBeLessThan(JSON.stringify(full).length / 5);
  });

  test('no pod template → a kept copy without one, as before (the watch skips it with a warning)', () => {
    expect(kind.podSpec(kind.project!({ metadata: { name: 'broken', namespace: 'shop' }, spec: {} }))).toBeUndefined();
  });
});

describe('stubs of workloads another shard checks', () => {
  const job = { metadata: { ...metadata, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: 'cron-uid', controller: true, blockOwnerDeletion: true }] }, spec: { template } } as KubeObject;

  test('a stub keeps what keys the cache and resumes the watch, nothing of the pod spec', () => {
    const stub = outOfShardProjection(objects.deployment(false), false);
    expect(stub.metadata).toEqual({ name: 'web', namespace: 'shop', resourceVersion: '4711' });
    expect(isOutOfShard(stub)).toBe(true);
    expect(WORKLOAD_KINDS[0].podSpec(stub)).toBeUndefined();
    expect(JSON.stringify(stub).length).toBeLessThan(100);
  });

  test("a Job's stub, when its pods are checked, keeps its uid and controller: they decide its pods' coverage", () => {
    expect(outOfShardProjection(job, true).metadata).toEqual({ name: 'web', namespace: 'shop', resourceVersion: '4711', uid: metadata.uid, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: 'cron-uid', controller: true }] });
  });

  test('a whole kept copy is no stub', () => {
    for (const kind of WORKLOAD_KINDS) expect(isOutOfShard(kind.project!(objects[kind.kind](false)))).toBe(false);
  });
});

test('a ServiceAccount is kept as the names of its pull secrets', () => {
  const account = { metadata, secrets: [{ name: 'builder-token-x1' }], imagePullSecrets: [{ name: 'regcred' }, { name: 'mirror' }], automountServiceAccountToken: false } as KubeObject;
  expect(serviceAccountProjection(account)).toEqual({ metadata: { name: 'web', namespace: 'shop', resourceVersion: '4711' }, imagePullSecrets: [{ name: 'regcred' }, { name: 'mirror' }] });
  expect(serviceAccountProjection({ metadata } as KubeObject)).toEqual({ metadata: { name: 'web', namespace: 'shop', resourceVersion: '4711' } });
});
