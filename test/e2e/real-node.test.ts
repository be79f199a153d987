// A new user's first hour on a real node, replaying README's "Run it" commands: `make image`
// (the image built from the Dockerfile), `docker push` to a registry, `helm install` of the chart,
// the kubelet pulling and running the pod, the exporter reading the cluster with its
// ServiceAccount token, `kubectl port-forward` to /metrics, then Prometheus finding the pod with
// the shipped scrape job, and an alert in Alertmanager when a Deployment names a missing tag,
// which the kubelet fails to pull too.
//
// What this loopback-only test bed changes in those commands, and why (each in `testBedValues`):
// - the registry host: README's registry.example.com is this test's loopback registry;
// - hostNetwork: pods here get addresses that exist only in their own network namespaces, so the
//   exporter must share the node's network to reach the API server and registries on 127.0.0.1;
// - bindAddress: a free port, since on the host network the chart's :8080 may be taken;
// - extraEnv KUBERNETES_SERVICE_HOST/PORT: there is no kube-proxy, so the `kubernetes` Service's
//   ClusterIP leads nowhere; the API server listens on 127.0.0.1.
// And Prometheus scrapes the pod's port on 127.0.0.1 instead of its address (the node's).
import { join } from 'node:path';
import { prometheusWithKubernetesSd, startAlertingStack, type AlertingStack } from '../support/alerting-stack.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startDockerEngine } from '../support/docker-engine.js';
import { buildAndPushImage, type BuiltImage } from '../support/exporter-image.js';
import { helm3, chartDir } from '../support/helm.js';
import { kubectl, kubectlBinary } from '../support/kubectl.js';
import { eventually, parseMetrics, statusOf } from '../support/metrics-text.js';
import { startNode, type TestNode } from '../support/node.js';
import { containerPid, isReady, listPods, processConfinement, waitForPod, type PodView } from '../support/node-pods.js';
import { freePort, runAsync, startProcess, waitForHttp } from '../support/processes.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { repoRoot } from '../support/tools.js';
import { commandsOf, flagValue } from '../chart/readme-commands.js';
import { workloadManifests } from '../support/node-workloads.js';

const READY_WITHIN_MS = 120_000;
const EXPORTER_PODS = 'app=image-availability-exporter';

/** README's "Run it": the image it builds, the helm install and the port-forward, as a reader copies them. */
function readmeRunIt() {
  const commands = commandsOf('README.md');
  const make = commands.find((command) => command.words[0] === 'make' && command.words[1] === 'image');
  const install = commands.find((command) => command.words[0] === 'helm' && command.words[1] === 'install' && command.words[3] === './chart');
  const forward = commands.find((command) => command.words[0] === 'kubectl' && command.words.includes('port-forward'));
  if (!make || !install || !forward) throw new Error("README's Run it no longer has make image, helm install ... ./chart and kubectl port-forward: update this test with it");
  const image = make.words.find((word) => word.startsWith('IMAGE='))!.slice('IMAGE='.length);
  const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    image: `${image}:${version}`,
    release: install.words[2],
    namespace: flagValue(install.words, '--namespace', '-n')!,
    installArgs: install.words.slice(1).map((word) => (word === './chart' ? chartDir : word)),
    forwardTarget: forward.words.find((word) => word.startsWith('deploy/'))!,
  };
}

describe('helm install on a real node: the exporter pod runs, is scraped, and its alert fires', () => {
  let api: ApiServer;
  let registry: TestRegistry;
  let node: TestNode;
  let image: BuiltImage;
  let alerting: AlertingStack | undefined;
  let port: number;
  let exporterPod: PodView;
  const figures: Record<string, string> = {};
  const kubectlOk = async (args: string[], input?: string) => {
    const result = await kubectl(api.kubeconfigPath, args, input, 60_000);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const helm = async (args: string[]) => {
    const result = await runAsync(helm3, [...args, '--kubeconfig', api.kubeconfigPath], { timeoutMs: 120_000 });
    if (result.code !== 0) throw new Error(`helm ${args.join(' ')}: ${result.output}`);
    return result.output;
  };
  const readme = readmeRunIt();
  const RELEASE = readme.release;
  const NAMESPACE = readme.namespace;
  /** README's registry host replaced by the test's. */
  const here = (image: string) => image.replace(/^[^/]+/, registry.host);
  const testBedValues = () => [
    '--set', `image.repository=${here(readme.image.split(':')[0])}`,
    '--set', 'hostNetwork=true',
    '--set', `bindAddress=:${port}`,
    '--set', 'extraEnv[0].name=KUBERNETES_SERVICE_HOST', '--set', 'extraEnv[0].value=127.0.0.1',
    '--set', 'extraEnv[1].name=KUBERNETES_SERVICE_PORT', '--set-string', `extraEnv[1].value=${new URL(api.url).port}`,
  ];

  beforeAll(async () => {
    [api, registry, port] = await Promise.all([startApiServer({ serviceAccounts: true }), startRegistry({ auth: 'none' }), freePort()]);
    const building = (async () => {
      const engine = await startDockerEngine();
      try {
        return await buildAndPushImage(engine, here(readme.image));
      } finally {
        await engine.stop();
      }
    })();
    const nodeStarted = Date.now();
    node = await startNode(api, [{ host: registry.host, plainHttp: true }]);
    figures['node Ready after start'] = `${((Date.now() - nodeStarted) / 1000).toFixed(1)} s`;
    image = await building;
    figures['image build (bases, npm ci, tsc, bundle)'] = `${(image.buildMs / 1000).toFixed(0)} s, ${(image.sizeBytes / 1e6).toFixed(0)} MB`;
  }, 1_500_000);

  afterAll(async () => {
    console.log(`real-node figures:\n${Object.entries(figures).map(([what, value]) => `  ${what}: ${value}`).join('\n')}`);
    await alerting?.stop();
    await node?.stop();
    await Promise.all([api?.stop(), registry?.stop()]);
  }, 120_000);

  test(`README's helm install: the kubelet pulls the image built from the Dockerfile and the pod is Ready within ${READY_WITHIN_MS / 1000} s`, async () => {
    const installed = Date.now();
    await helm([...readme.installArgs, ...testBedValues()]);
    exporterPod = await waitForPod(api.kubeconfigPath, node, NAMESPACE, EXPORTER_PODS, isReady, READY_WITHIN_MS, 'Ready');
    figures['helm install → pod Ready'] = `${((Date.now() - installed) / 1000).toFixed(1)} s`;
    expect(exporterPod.spec.nodeName).toBe(node.name);
    expect(exporterPod.status.containerStatuses?.[0].imageID).toContain(`${here(readme.image.split(':')[0])}@sha256:`);
  }, READY_WITHIN_MS + 60_000);

  test("on the node the container runs as the chart's non-root user, on a read-only root filesystem, with the chart's memory limit as its cgroup's", async () => {
    const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as { podSecurityContext: { runAsUser: number }; resources: { limits: { memory: string } } };
    const pid = await containerPid(node, exporterPod.status.containerStatuses![0].containerID!);
    const confinement = processConfinement(pid);
    expect(confinement.uid).toBe(values.podSecurityContext.runAsUser);
    expect(confinement.uid).not.toBe(0);
    expect(confinement.readOnlyRoot).toBe(true);
    expect(values.resources.limits.memory).toBe('256Mi');
    expect(confinement.memoryLimitBytes).toBe(256 * 1024 * 1024);
    figures['exporter pod memory (cgroup usage / process RSS)'] = `${(confinement.memoryUsageBytes / 2 ** 20).toFixed(1)} / ${(confinement.rssBytes / 2 ** 20).toFixed(1)} MiB`;
    // The token the kubelet mounted is the ServiceAccount's, projected.
    expect(exporterPod.spec.volumes?.some((volume) => volume.name.startsWith('kube-api-access-') && volume.projected)).toBe(true);
  });

  test("with its ServiceAccount token the exporter reports the images of a Deployment, StatefulSet, DaemonSet, CronJob and Job whose pods run on the node; README's kubectl port-forward through the kubelet serves /metrics", async () => {
    await registry.pushImage('shop/app', 'v1', { runnable: true });
    await kubectlOk(['apply', '-f', '-'], workloadManifests(`${registry.host}/shop/app:v1`));
    for (const app of ['deploy', 'sts', 'ds']) {
      await waitForPod(api.kubeconfigPath, node, 'shop', `app=${app}`, (pod) => pod.status.phase === 'Running' && pod.spec.nodeName === node.name, 120_000, 'Running on the node');
    }
    await waitForPod(api.kubeconfigPath, node, 'shop', 'app=job', (pod) => pod.status.phase === 'Succeeded', 120_000, 'Succeeded');

    const localPort = await freePort();
    // README forwards 8080:8080; here the local port is a free one and the remote the test bed's bindAddress.
    const forward = startProcess(kubectlBinary, ['--kubeconfig', api.kubeconfigPath, '-n', NAMESPACE, 'port-forward', readme.forwardTarget, `${localPort}:${port}`]);
    try {
      await waitForHttp(`http://127.0.0.1:${localPort}/healthz`, 30_000, forward);
      const series = await eventually(
        async () => parseMetrics(await (await fetch(`http://127.0.0.1:${localPort}/metrics`)).text()),
        (all) => ['deployment/deploy', 'statefulset/sts', 'daemonset/ds', 'cronjob/cron'].every((id) => statusOf(all, id.split('/')[0], 'shop', id.split('/')[1], 'app') === 'available'),
        60_000,
        'every workload reported available',
      );
      expect(statusOf(series, 'deployment', 'shop', 'deploy', 'app')).toBe('available');
    } finally {
      await forward.stop();
    }
  }, 400_000);

  test('Prometheus discovers the pod with the shipped scrape job; a Deployment with a missing tag fails in the kubelet and DeploymentImageUnavailable reaches Alertmanager', async () => {
    const scrapeJob = (parse(readFileSync(join(repoRoot, 'monitoring', 'prometheus-scrape-config.yaml'), 'utf8')) as Array<Record<string, unknown>>)[0];
    const pki = join(api.dataDir, 'pki');
    const relabel = scrapeJob.relabel_configs as object[];
    alerting = await startAlertingStack({
      prometheus: prometheusWithKubernetesSd(),
      rulesFile: join(repoRoot, 'monitoring', 'alerts.rules.yaml'),
      scrapeConfigs: [
        {
          ...scrapeJob,
          scrape_interval: '2s',
          kubernetes_sd_configs: [
            { role: 'pod', api_server: api.url, tls_config: { ca_file: join(pki, 'serving.crt'), cert_file: join(pki, 'admin.crt'), key_file: join(pki, 'admin.key') } },
          ],
          // The loopback-only test bed: the pod's address is the node's; its port is on 127.0.0.1.
          relabel_configs: [...relabel, { source_labels: ['__address__'], regex: '.*:(\\d+)', target_label: '__address__', replacement: '127.0.0.1:$1' }],
        },
      ],
    });
    await eventually(
      async () => (await (await fetch(`${alerting!.prometheusUrl}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string; labels: Record<string, string> }> } },
      (targets) => targets.data.activeTargets.some((target) => target.health === 'up' && target.labels.pod === exporterPod.metadata.name),
      60_000,
      'the exporter pod as a healthy target',
    );

    const created = Date.now();
    await kubectlOk(['create', 'deployment', 'broken', '-n', 'shop', `--image=${registry.host}/shop/app:missing`]);
    const kubelet = await waitForPod(
      api.kubeconfigPath,
      node,
      'shop',
      'app=broken',
      (pod) => ['ErrImagePull', 'ImagePullBackOff'].includes(pod.status.containerStatuses?.[0].state?.waiting?.reason ?? ''),
      120_000,
      'failing its pull',
    );
    expect(kubelet.status.containerStatuses![0].state!.waiting!.message ?? '').toMatch(/not found/i);
    const fired = await eventually(async () => alerting!.alert('DeploymentImageUnavailable', 'firing'), Boolean, 120_000, 'a firing DeploymentImageUnavailable');
    figures['missing-tag Deployment created → alert in Alertmanager'] = `${((Date.now() - created) / 1000).toFixed(1)} s`;
    expect(fired!.labels).toMatchObject({ namespace: 'shop', deployment: 'broken', image: `${registry.host}/shop/app:missing` });
    expect(alerting.notifications.flatMap((n) => n.alerts).filter((a) => a.status === 'firing' && a.labels.alertname.endsWith('ImageUnavailable')).map((a) => a.labels.image)).toEqual([`${registry.host}/shop/app:missing`]);
  }, 300_000);

  test('helm upgrade rolls the pod on the node; helm uninstall leaves no container of the release running there', async () => {
    await helm(['upgrade', RELEASE, chartDir, '--namespace', NAMESPACE, ...testBedValues(), '--set', 'logLevel=debug']);
    const rolled = await waitForPod(api.kubeconfigPath, node, NAMESPACE, EXPORTER_PODS, (pod) => isReady(pod) && pod.metadata.uid !== exporterPod.metadata.uid, READY_WITHIN_MS, 'Ready after the upgrade');
    const rolledContainer = rolled.status.containerStatuses![0].containerID!.replace('containerd://', '');
    await helm(['uninstall', RELEASE, '--namespace', NAMESPACE, '--wait']);
    await eventually(async () => listPods(api.kubeconfigPath, NAMESPACE, EXPORTER_PODS), (pods) => pods.length === 0, 120_000, 'no exporter pod left');
    const tasks = await eventually(async () => (await node.runtime.ctr(['tasks', 'ls'])).output, (output) => !output.includes(rolledContainer), 60_000, "the exporter's container stopped on the node");
    expect(tasks).not.toContain(rolledContainer);
    const remaining = await kubectlOk(['get', 'clusterroles,clusterrolebindings', '-o', 'name']);
    expect(remaining).not.toContain(RELEASE);
  }, 400_000);
});
