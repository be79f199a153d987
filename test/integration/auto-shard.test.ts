// Autosharding against the real API server and registry: three exporter processes (the built CLI,
// as the image runs it) named like the pods of a StatefulSet, running as a service account bound to
// exactly the RBAC the chart renders for `shards: 3`. The test scales the StatefulSet 3 → 2 → 4;
// after each step the union of the pods' availability series equals what one unsharded exporter
// exports, no series is exported by two pods, and a pod beyond the replicas exports none.
//
// Bound: each reshard settles within RESHARD_BOUND_MS of the scale: one watch event to every pod,
// then one check of each image that moved, against a registry on the same machine.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { helm3, only, render, type K8sObject } from '../support/helm.js';
import { eventually, parseMetrics, type Series } from '../support/metrics-text.js';
import { freePort, startProcess, waitForHttp, type ManagedProcess } from '../support/processes.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const cli = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
const EXPORTER_NS = 'monitoring';
const NS = 'shop';
const RESHARD_BOUND_MS = 10_000;
const AVAILABILITY = /^k8s_image_availability_exporter_(deployment|statefulset|daemonset|cronjob)_/;

type ShardPod = { name: string; url: string; process: ManagedProcess };

/** Availability series as comparable strings: name, labels, value. */
function availability(series: Series[]): string[] {
  return series.filter((s) => AVAILABILITY.test(s.name)).map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`);
}

async function scrape(url: string): Promise<string[]> {
  const response = await fetch(`${url}/metrics`);
  if (response.status !== 200) throw new Error(`${url}/metrics answered ${response.status}`);
  return availability(parseMetrics(await response.text()));
}

describe('autosharded exporter pods against a real API server', () => {
  let api: ApiServer;
  let registry: TestRegistry;
  let apps: k8s.AppsV1Api;
  let reference: TestExporter;
  let statefulSetName: string;
  let kubeconfig: string;
  const pods: ShardPod[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'iae-autoshard-'));

  async function startPod(ordinal: number): Promise<ShardPod> {
    const name = `${statefulSetName}-${ordinal}`;
    const port = await freePort();
    const process = startProcess(globalThis.process.execPath, [
      cli,
      `--kubeconfig=${kubeconfig}`,
      `--bind-address=127.0.0.1:${port}`,
      '--auto-shard',
      `--pod-name=${name}`,
      `--pod-namespace=${EXPORTER_NS}`,
      `--allow-plain-http=${registry.host}`,
      '--check-interval=10m',
    ]);
    const pod = { name, url: `http://127.0.0.1:${port}`, process };
    pods.push(pod);
    await waitForHttp(`${pod.url}/readyz`, 30_000, process);
    return pod;
  }

  async function scale(replicas: number): Promise<void> {
    const current = await apps.readNamespacedStatefulSet({ namespace: EXPORTER_NS, name: statefulSetName });
    current.spec!.replicas = replicas;
    await apps.replaceNamespacedStatefulSet({ namespace: EXPORTER_NS, name: statefulSetName, body: current });
  }

  /** Waits until the pods below `replicas` together export exactly the reference, each series once, and the others nothing. */
  async function settled(replicas: number): Promise<{ perPod: string[][]; ms: number }> {
    const started = Date.now();
    const expected = (await scrape(reference.url)).sort();
    const perPod = await eventually(
      () => Promise.all(pods.map((pod) => scrape(pod.url))),
      (scrapes) => {
        const active = scrapes.slice(0, replicas).flat();
        return JSON.stringify([...active].sort()) === JSON.stringify(expected) && scrapes.slice(replicas).every((s) => s.length === 0);
      },
      RESHARD_BOUND_MS,
      `the ${replicas} shards to export the reference series once each`,
    );
    return { perPod, ms: Date.now() - started };
  }

  beforeAll(async () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (make test does)`);
    [api, registry] = await Promise.all([startApiServer(), startRegistry({ auth: 'none' })]);
    for (let i = 0; i < 12; i++) await registry.pushImage(`team/app${i}`, 'v1');

    const admin = new k8s.KubeConfig();
    admin.loadFromFile(api.kubeconfigPath);
    apps = admin.makeApiClient(k8s.AppsV1Api);
    const core = admin.makeApiClient(k8s.CoreV1Api);
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    for (const name of [EXPORTER_NS, NS]) await core.createNamespace({ body: { metadata: { name } } });

    // The RBAC objects the chart renders for three shards, created as they are.
    const rendered = render(helm3, { values: { shards: 3 }, namespace: EXPORTER_NS });
    const workload = only(rendered, 'StatefulSet') as K8sObject & { spec: k8s.V1StatefulSetSpec };
    statefulSetName = workload.metadata.name;
    const account = workload.spec.template.spec!.serviceAccountName!;
    await core.createNamespacedServiceAccount({ namespace: EXPORTER_NS, body: { metadata: { name: account } } });
    await rbac.createClusterRole({ body: only(rendered, 'ClusterRole') as unknown as k8s.V1ClusterRole });
    await rbac.createClusterRoleBinding({ body: only(rendered, 'ClusterRoleBinding') as unknown as k8s.V1ClusterRoleBinding });
    await rbac.createNamespacedRole({ namespace: EXPORTER_NS, body: only(rendered, 'Role') as unknown as k8s.V1Role });
    await rbac.createNamespacedRoleBinding({ namespace: EXPORTER_NS, body: only(rendered, 'RoleBinding') as unknown as k8s.V1RoleBinding });
    const token = (await core.createNamespacedServiceAccountToken({ name: account, namespace: EXPORTER_NS, body: { spec: { audiences: [] } } })).status!.token;
    const cluster = admin.getCurrentCluster()!;
    const restricted = new k8s.KubeConfig();
    restricted.loadFromOptions({ clusters: [cluster], users: [{ name: account, token }], contexts: [{ name: account, cluster: cluster.name, user: account }], currentContext: account });
    kubeconfig = join(dir, 'exporter.kubeconfig');
    writeFileSync(kubeconfig, restricted.exportConfig(), { mode: 0o600 });

    // The StatefulSet itself is a workload like any other: its image is checked too.
    const image = (i: number) => `${registry.host}/team/app${i}:v1`;
    await apps.createNamespacedStatefulSet({
      namespace: EXPORTER_NS,
      body: {
        metadata: { name: statefulSetName },
        spec: { replicas: 3, serviceName: statefulSetName, selector: { matchLabels: { app: 'iae' } }, template: { metadata: { labels: { app: 'iae' } }, spec: { containers: [{ name: 'exporter', image: image(0) }] } } },
      },
    });
    for (let i = 0; i < 16; i++) {
      const containers = [{ name: 'app', image: image(i % 12) }];
      if (i % 5 === 0) containers.push({ name: 'gone', image: `${registry.host}/team/app${i}:missing` });
      if (i === 7) containers.push({ name: 'bad', image: 'Bad/Reference' });
      await apps.createNamespacedDeployment({
        namespace: NS,
        body: { metadata: { name: `web${i}` }, spec: { selector: { matchLabels: { app: `web${i}` } }, template: { metadata: { labels: { app: `web${i}` } }, spec: { containers } } } },
      });
    }

    reference = await startExporter({ kubeconfig: api.kubeconfigPath, checkInterval: 600_000, plainHttpRegistries: [registry.host] });
    // 16 Deployments with 21 containers, plus the StatefulSet's one: each in 8 status series.
    await eventually(() => scrape(reference.url), (series) => series.length === 22 * 8, 30_000, 'the unsharded reference to report every usage');
    for (let ordinal = 0; ordinal < 3; ordinal++) await startPod(ordinal);
  }, 240_000);

  afterAll(async () => {
    for (const pod of pods) await pod.process.stop();
    await reference?.stop();
    await Promise.all([api?.stop(), registry?.stop()]);
  });

  test('3 replicas: the union of the three pods is the unsharded series, each once, every pod with a share', async () => {
    const { perPod } = await settled(3);
    expect(perPod.every((series) => series.length > 0)).toBe(true);
  });

  test('scaled to 2: pods 0 and 1 take over, pod 2 (beyond the replicas) exports nothing, within the bound', async () => {
    await scale(2);
    const { perPod, ms } = await settled(2);
    expect(perPod[2]).toEqual([]);
    expect(ms).toBeLessThan(RESHARD_BOUND_MS);
    expect(pods[2].process.output()).toContain('beyond the 2 replicas');
  });

  test('scaled to 4: pod 2 is back and pod 3 joins; no restart of the running pods', async () => {
    await scale(4);
    await startPod(3);
    const { perPod } = await settled(4);
    // Which pod gets which image depends on the registry's random port; split, in any case.
    expect(perPod.filter((series) => series.length > 0).length).toBeGreaterThan(1);
    for (const pod of pods.slice(0, 3)) expect(pod.process.child.exitCode).toBeNull();
    expect(pods[0].process.output()).toContain('checking shard 0 of 4');
  });
});
