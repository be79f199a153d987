// A sharded replica's watch against a real API server: it keeps only the workloads with an image
// in its shard (init containers count), nothing of the others and no index record for them; an
// update that brings an image into its shard is noticed, one that takes every image out drops the
// workload; a reshard from 2 shards to 1 (a `kubectl scale` of the StatefulSet from 2 to 1) gives
// the survivor every workload, without those deleted meanwhile, and one back to 2 drops the other
// shard's again.
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { ImageFilter, shardOf } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { ImageResolver } from '../../src/index/image-resolver.js';
import { ClusterWatch } from '../../src/kube/cluster-watch.js';
import { loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { createLogger } from '../../src/log/log.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { eventually } from '../support/metrics-text.js';

const NS = 'shop';
const resolver = new ImageResolver();
const shardOfImage = (image: string) => shardOf(resolver.resolve(image).pulled.normalized, 2);
/** Images of shard 0 and of shard 1 of 2, the first found of each. */
const candidates = Array.from({ length: 40 }, (_, i) => `registry.example/team/app${i}:v1`);
const ours = candidates.filter((image) => shardOfImage(image) === 0).slice(0, 4);
const theirs = candidates.filter((image) => shardOfImage(image) === 1).slice(0, 4);

const deployment = (name: string, containers: string[], init: string[] = []): k8s.V1Deployment => ({
  metadata: { name },
  spec: {
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { initContainers: init.map((image, i) => ({ name: `init${i}`, image })), containers: containers.map((image, i) => ({ name: `c${i}`, image })) },
    },
  },
});

describe('a sharded replica watches the workloads of its shard', () => {
  let api: ApiServer;
  let apps: k8s.AppsV1Api;
  let batch: k8s.BatchV1Api;
  let watch: ClusterWatch;
  let index: ImageIndex;
  const filter = new ImageFilter([], [], resolver, { index: 0, total: 2 });
  const logged: string[] = [];
  const indexed = () => new Set([...index.usages()].map((usage) => `${usage.kind}/${usage.workload}`));
  const kept = (kind: string) => watch.kept(kind).map((object) => object.metadata?.name).sort();

  beforeAll(async () => {
    api = await startApiServer();
    const admin = new k8s.KubeConfig();
    admin.loadFromFile(api.kubeconfigPath);
    apps = admin.makeApiClient(k8s.AppsV1Api);
    batch = admin.makeApiClient(k8s.BatchV1Api);
    await admin.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
    const create = (body: k8s.V1Deployment) => apps.createNamespacedDeployment({ namespace: NS, body });
    await create(deployment('mine', [ours[0]]));
    await create(deployment('both', [ours[1], theirs[0]]));
    await create(deployment('mine-by-init', [theirs[1]], [ours[2]]));
    await create(deployment('other', [theirs[2]]));
    await create(deployment('moves-in', [theirs[3]]));
    await create(deployment('moves-out', [ours[0]]));
    await create(deployment('deleted', [theirs[0]]));
    await create(deployment('deleted-while-relisting', [theirs[1]]));
    await batch.createNamespacedCronJob({
      namespace: NS,
      body: { metadata: { name: 'nightly' }, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c0', image: theirs[2] }] } } } } } },
    });
    index = new ImageIndex(filter, { unitAdded: () => {}, unitRemoved: () => {} }, resolver);
    const log = new PassThrough().on('data', (line: Buffer) => logged.push(line.toString()));
    watch = new ClusterWatch(loadKubeConfig(api.kubeconfigPath), index, createLogger('info', log), { checkDisabled: new Set() });
    await watch.start();
    await eventually(async () => watch.notReadyReason(), (reason) => reason === undefined, 30_000, 'every kind to be listed');
  }, 180_000);

  afterAll(async () => {
    await watch?.stop();
    await api?.stop();
  });

  test('workloads with no image of the shard are neither kept nor in the index', async () => {
    await eventually(async () => indexed(), (names) => names.size === 4, 10_000, 'the four workloads of shard 0 in the index');
    expect([...indexed()].sort()).toEqual(['deployment/both', 'deployment/mine', 'deployment/mine-by-init', 'deployment/moves-out']);
    expect(index.workloadCount).toBe(4);
    expect(kept('deployment')).toEqual(['both', 'mine', 'mine-by-init', 'moves-out']);
    expect(kept('cronjob')).toEqual([]);
  });

  test('an update that brings an image into the shard is noticed; one that takes every image out drops the workload', async () => {
    await apps.replaceNamespacedDeployment({ namespace: NS, name: 'moves-in', body: { ...deployment('moves-in', [theirs[3], ours[3]]), metadata: { name: 'moves-in' } } });
    await eventually(async () => indexed(), (names) => names.has('deployment/moves-in'), 10_000, 'moves-in to enter the index');
    expect(JSON.stringify(watch.kept('deployment').find((object) => object.metadata?.name === 'moves-in'))).toContain(ours[3]);
    await apps.replaceNamespacedDeployment({ namespace: NS, name: 'moves-out', body: { ...deployment('moves-out', [theirs[2]]), metadata: { name: 'moves-out' } } });
    await eventually(async () => indexed(), (names) => !names.has('deployment/moves-out'), 10_000, 'moves-out to leave the index');
    expect(kept('deployment')).toEqual(['both', 'mine', 'mine-by-init', 'moves-in']);
  });

  test('scaled from 2 shards to 1: the survivor gets every workload back, without the deleted ones', async () => {
    await apps.deleteNamespacedDeployment({ namespace: NS, name: 'deleted' });
    filter.setShard({ index: 0, total: 1 });
    index.refilter();
    watch.reshard();
    await apps.deleteNamespacedDeployment({ namespace: NS, name: 'deleted-while-relisting' });
    const every = ['cronjob/nightly', 'deployment/both', 'deployment/mine', 'deployment/mine-by-init', 'deployment/moves-in', 'deployment/moves-out', 'deployment/other'];
    await eventually(async () => [...indexed()].sort(), (names) => JSON.stringify(names) === JSON.stringify(every), 20_000, 'every workload but the deleted ones in the index');
    expect(kept('deployment')).toEqual(['both', 'mine', 'mine-by-init', 'moves-in', 'moves-out', 'other']);
    expect(kept('cronjob')).toEqual(['nightly']);
    // The replaced watches end quietly: no watch is taken for failing, none restarted.
    expect(logged.filter((line) => /"level":"(warn|error)"/.test(line))).toEqual([]);
    expect(logged.filter((line) => line.includes('re-listed')).length).toBe(4);
    expect(watch.failingWatches()).toBe(0);
  });

  test('scaled back to 2 shards: the workloads of the other shard leave the cache and the index', async () => {
    filter.setShard({ index: 0, total: 2 });
    index.refilter();
    watch.reshard();
    await eventually(async () => kept('deployment'), (names) => JSON.stringify(names) === JSON.stringify(['both', 'mine', 'mine-by-init', 'moves-in']), 20_000, 'only shard 0 deployments in the cache');
    await eventually(async () => kept('cronjob'), (names) => names.length === 0, 20_000, 'the cronjob of shard 1 out of the cache');
    expect([...indexed()].sort()).toEqual(['deployment/both', 'deployment/mine', 'deployment/mine-by-init', 'deployment/moves-in']);
  });
});
