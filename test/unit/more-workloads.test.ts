// The pieces of --check-pods, --check-jobs and --extra-workload that decide without an API server:
// which controller covers a Pod or Job, how an extra workload is written, and what is kept of a pod.
import { loadSettings } from '../../src/settings/config.js';
import { fieldAt, parseExtraWorkloads } from '../../src/kube/extra-workloads.js';
import { podProjection } from '../../src/kube/object-projection.js';
import { PodOwners } from '../../src/kube/pod-owners.js';
import type { KubeObject } from '../../src/kube/kube-object.js';

const COVERING = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/CronJob', 'argoproj.io/Rollout']);
const ref = (apiVersion: string, kind: string, uid: string, controller = true) => ({ apiVersion, kind, name: `${kind.toLowerCase()}-1`, uid, controller });
const object = (name: string, owner?: ReturnType<typeof ref>, uid = `uid-${name}`): KubeObject => ({ metadata: { name, namespace: 'shop', uid, ownerReferences: owner ? [owner] : undefined } });

describe('which Pods are checked as kind pod', () => {
  const owners = new PodOwners(COVERING);
  owners.setIntermediate(object('web-rs', ref('apps/v1', 'Deployment', 'd1'), 'rs-web'));
  owners.setIntermediate(object('bare-rs', undefined, 'rs-bare'));
  owners.setIntermediate(object('op-rs', ref('cache.example.org/v1', 'CacheCluster', 'c1'), 'rs-op'));
  owners.setIntermediate(object('canary-rs', ref('argoproj.io/v1alpha1', 'Rollout', 'r1'), 'rs-canary'));
  owners.setIntermediate(object('nightly-1', ref('batch/v1', 'CronJob', 'cj1'), 'job-cron'));
  owners.setIntermediate(object('migrate', undefined, 'job-bare'));

  test.each([
    ['bare pod', undefined, 'check'],
    ['pod of a Deployment\'s ReplicaSet', ref('apps/v1', 'ReplicaSet', 'rs-web'), 'skip'],
    ['pod of a bare ReplicaSet', ref('apps/v1', 'ReplicaSet', 'rs-bare'), 'check'],
    ['pod of a custom controller\'s ReplicaSet', ref('apps/v1', 'ReplicaSet', 'rs-op'), 'check'],
    ['pod of an extra kind\'s ReplicaSet', ref('apps/v1', 'ReplicaSet', 'rs-canary'), 'skip'],
    ['pod of a StatefulSet', ref('apps/v1', 'StatefulSet', 's1'), 'skip'],
    ['pod of a DaemonSet', ref('apps/v1', 'DaemonSet', 'ds1'), 'skip'],
    ['pod of a CronJob\'s Job', ref('batch/v1', 'Job', 'job-cron'), 'skip'],
    ['pod of a bare Job (jobs not checked)', ref('batch/v1', 'Job', 'job-bare'), 'check'],
    ['pod a custom controller owns directly', ref('queue.example.org/v1', 'QueueCluster', 'q1'), 'check'],
    ['pod of a ReplicaSet not seen yet', ref('apps/v1', 'ReplicaSet', 'rs-unknown'), 'unknown'],
    ['pod whose only owner is not its controller', ref('apps/v1', 'StatefulSet', 's1', false), 'check'],
    ['pod of a kind with the name of a covered one in another group', ref('example.org/v1', 'Deployment', 'x1'), 'check'],
  ] as const)('%s → %s', (name, owner, expected) => {
    expect(owners.podCoverage(object(name.replace(/\W+/g, '-'), owner))).toBe(expected);
  });

  test('a ReplicaSet orphaned from its Deployment hands its pods over: they are re-decided and checked', () => {
    const pod = object('web-abc', ref('apps/v1', 'ReplicaSet', 'rs-web'));
    expect(owners.podCoverage(pod)).toBe('skip');
    expect([...owners.podsOf('rs-web')]).toContain('shop/web-abc');
    expect(owners.setIntermediate(object('web-rs', undefined, 'rs-web'))).toBe(true);
    expect(owners.podCoverage(pod)).toBe('check');
    owners.forgetPod(pod);
    expect([...owners.podsOf('rs-web')]).not.toContain('shop/web-abc');
  });

  test('Jobs: a CronJob\'s or an extra kind\'s Job is covered, a bare one checked', () => {
    expect(owners.jobCoverage(object('nightly-1', ref('batch/v1', 'CronJob', 'cj1')))).toBe('skip');
    expect(owners.jobCoverage(object('analysis', ref('argoproj.io/v1alpha1', 'Rollout', 'r1')))).toBe('skip');
    expect(owners.jobCoverage(object('migrate'))).toBe('check');
  });
});

describe('--extra-workload', () => {
  test('group/version/resource:templatePath with replicas and suspend paths', () => {
    expect(parseExtraWorkloads(['argoproj.io/v1alpha1/rollouts:spec.template:replicas=spec.replicas:suspend=spec.paused'])).toEqual([
      {
        text: 'argoproj.io/v1alpha1/rollouts:spec.template:replicas=spec.replicas:suspend=spec.paused',
        group: 'argoproj.io',
        version: 'v1alpha1',
        resource: 'rollouts',
        templatePath: ['spec', 'template'],
        replicasPath: ['spec', 'replicas'],
        suspendPath: ['spec', 'paused'],
      },
    ]);
  });

  test.each([
    ['v1/pods:spec', /group\/version\/resource/],
    ['argoproj.io/v1alpha1/rollouts', /path of the pod template is missing/],
    ['Argoproj.io/v1alpha1/rollouts:spec.template', /not an API group/],
    ['argoproj.io/latest/rollouts:spec.template', /not an API version/],
    ['argoproj.io/v1alpha1/Rollouts:spec.template', /not a resource name/],
    ['argoproj.io/v1alpha1/rollouts:spec..template', /not a dotted field path/],
    ['argoproj.io/v1alpha1/rollouts:spec.template:paused=spec.paused', /not an option/],
    ['argoproj.io/v1alpha1/rollouts:spec.template:replicas=a:replicas=b', /each once/],
    [`argoproj.io/v1alpha1/rollouts:${'a.'.repeat(20)}b`, /not a dotted field path/],
  ])('%s is refused, saying how to write it', (value, why) => {
    expect(() => parseExtraWorkloads([value])).toThrow(why);
    expect(() => parseExtraWorkloads([value])).toThrow(/e\.g\. argoproj\.io\/v1alpha1\/rollouts:spec\.template/);
  });

  test('the same resource twice, or more than 20, is refused', () => {
    expect(() => parseExtraWorkloads(['a.io/v1/xs:spec.template', 'a.io/v2/xs:spec.template'])).toThrow(/a\.io\/xs is named twice/);
    expect(() => parseExtraWorkloads(Array.from({ length: 21 }, (_, i) => `a.io/v1/x${i}:spec.template`))).toThrow(/at most 20/);
  });

  test('a bad value stops the start with one line naming the flag', () => {
    expect(() => loadSettings(['--extra-workload=argoproj.io/rollouts:spec.template'], {})).toThrow(/extraWorkloads: .*group\/version\/resource.*--extra-workload/);
  });

  test('repeated flags and comma-separated values add up', () => {
    const settings = loadSettings(['--extra-workload=a.io/v1/xs:spec.template', '--extra-workload=b.io/v1/ys:spec.template,c.io/v1/zs:spec.t'], {});
    expect(settings.extraWorkloads).toEqual(['a.io/v1/xs:spec.template', 'b.io/v1/ys:spec.template', 'c.io/v1/zs:spec.t']);
  });

  test('fieldAt walks objects only: a string or array on the way ends it', () => {
    expect(fieldAt({ spec: { template: { spec: 1 } } }, ['spec', 'template', 'spec'])).toBe(1);
    expect(fieldAt({ spec: 'text' }, ['spec', 'length'])).toBeUndefined();
    expect(fieldAt(null, ['spec'])).toBeUndefined();
  });
});

describe('what is kept of a pod', () => {
  test('names, uid, controller, container names and images, pull secrets, service account, phase; nothing else', () => {
    const pod = {
      metadata: {
        name: 'p',
        namespace: 'shop',
        uid: 'u',
        resourceVersion: '7',
        labels: { a: 'b' },
        managedFields: [{ manager: 'kubelet' }],
        ownerReferences: [ref('v1', 'Node', 'n', false), ref('apps/v1', 'ReplicaSet', 'rs')],
      },
      spec: {
        containers: [{ name: 'app', image: 'r.example/app:1', env: [{ name: 'A', value: 'secret-ish' }] }],
        initContainers: [{ name: 'init', image: 'r.example/init:1' }],
        imagePullSecrets: [{ name: 'regcred' }],
        serviceAccount: 'builder',
        nodeName: 'node-1',
        volumes: [{ name: 'v' }],
      },
      status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready' }] },
    } as unknown as KubeObject;
    expect(podProjection(pod)).toEqual({
      metadata: { name: 'p', namespace: 'shop', uid: 'u', resourceVersion: '7', ownerReferences: [ref('apps/v1', 'ReplicaSet', 'rs')] },
      spec: {
        containers: [{ name: 'app', image: 'r.example/app:1' }],
        initContainers: [{ name: 'init', image: 'r.example/init:1' }],
        imagePullSecrets: [{ name: 'regcred' }],
        serviceAccountName: 'builder',
      },
      status: { phase: 'Running' },
    });
  });

  test('a malformed pod (containers not a list, null entries) is kept without throwing', () => {
    expect(podProjection({ metadata: { name: 'x' }, spec: { containers: 'nope' } } as unknown as KubeObject).spec).toEqual({ containers: undefined });
    expect(podProjection({ spec: { containers: [null] } } as unknown as KubeObject).spec).toEqual({ containers: [{ name: undefined, image: undefined }] });
  });
});
