// The chart installed, upgraded and uninstalled with the real helm 3 and helm 4 into the real
// kube-apiserver, without and then with prometheus-operator's real CRDs; the commands of README.md,
// docs/ and chart/README.md replayed against it; and the exporter running with the token of the
// ServiceAccount the chart made, under each form of secret access.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { CHECK_HELP } from '../../src/check-command/command.js';
import { CHECK_ANNOTATION } from '../../src/kube/workload-selection.js';
import { helpText } from '../../src/settings/config.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { chartDir, everythingNamespaces, helm, helm3, helm4, helms, template } from '../support/helm.js';
import { eventually, statusOf } from '../support/metrics-text.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { repoRoot, run } from '../support/tools.js';
import { prometheusOperatorCrdChart } from './prometheus-operator-crds.js';
import { commandsOf, flagValue, quotedValueNames, userPages, yamlBlocksOf, type Command } from './readme-commands.js';

const everything = join(repoRoot, 'test', 'chart', 'values-everything.yaml');
const kubernetesVersion = /^\s*k8s\.io\/kubernetes (v\S+)$/m.exec(readFileSync(join(repoRoot, 'test', 'apiserver', 'go.mod'), 'utf8'))![1];
const PULLER = { username: 'puller', password: 'pull-password-913' };

describe('the chart in the real API server', () => {
  let api: ApiServer;
  let registry: TestRegistry;
  let admin: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let rbac: k8s.RbacAuthorizationV1Api;
  let custom: k8s.CustomObjectsApi;
  const dir = mkdtempSync(join(tmpdir(), 'iae-install-'));
  const exporters: TestExporter[] = [];

  const helmIn = (binary: string, args: string[]) => helm(binary, [...args, '--kubeconfig', api.kubeconfigPath]);
  const helmOk = (binary: string, args: string[]) => {
    const result = helmIn(binary, args);
    if (result.status !== 0) throw new Error(`${result.command} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  };

  /** Whether the object exists on the server (404 → false). */
  async function exists(read: () => Promise<unknown>): Promise<boolean> {
    try {
      await read();
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 404) return false;
      throw error;
    }
  }
  const deploymentExists = (namespace: string, name: string) => exists(() => apps.readNamespacedDeployment({ namespace, name }));
  const clusterRoleExists = (name: string) => exists(() => rbac.readClusterRole({ name }));
  const operatorObjectExists = (plural: string, namespace: string, name: string) =>
    exists(() => custom.getNamespacedCustomObject({ group: 'monitoring.coreos.com', version: 'v1', plural, namespace, name }));

  beforeAll(async () => {
    // One after the other, so afterAll stops the registry even when the API server cannot start.
    registry = await startRegistry({ auth: 'htpasswd', users: { [PULLER.username]: PULLER.password } });
    api = await startApiServer();
    await registry.pushImage('team/app', 'v1');
    admin = new k8s.KubeConfig();
    admin.loadFromFile(api.kubeconfigPath);
    core = admin.makeApiClient(k8s.CoreV1Api);
    apps = admin.makeApiClient(k8s.AppsV1Api);
    rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    custom = admin.makeApiClient(k8s.CustomObjectsApi);
    // The namespaces values-everything.yaml needs (its header names them: the user's workload
    // namespaces shop and payments, Grafana's) and one more; each workload namespace with a
    // workload whose private image needs the pull secret regcred.
    const auth = Buffer.from(`${PULLER.username}:${PULLER.password}`).toString('base64');
    const dockerConfig = Buffer.from(JSON.stringify({ auths: { [registry.host]: { auth } } })).toString('base64');
    const needed = everythingNamespaces();
    expect(needed).toEqual(expect.arrayContaining(['shop', 'payments', 'grafana']));
    for (const namespace of [...needed, 'other']) {
      await core.createNamespace({ body: { metadata: { name: namespace } } });
      if (namespace === 'grafana') continue;
      await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'regcred' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': dockerConfig } } });
      await apps.createNamespacedDeployment({
        namespace,
        body: {
          metadata: { name: 'web' },
          spec: {
            selector: { matchLabels: { app: 'web' } },
            template: { metadata: { labels: { app: 'web' } }, spec: { imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'app', image: `${registry.host}/team/app:v1` }] } },
          },
        },
      });
    }
  }, 240_000);

  afterAll(async () => {
    for (const exporter of exporters) await exporter.stop();
    await Promise.all([api?.stop(), registry?.stop()]);
  });

  /**
   * Runs the exporter as the release's ServiceAccount (a TokenRequest token in a kubeconfig) and
   * returns the status of the private image of shop/web and other/web once both are reported.
   */
  async function statusesAsChartServiceAccount(namespace: string, deployment: string): Promise<Record<string, string | undefined>> {
    const pod = (await apps.readNamespacedDeployment({ namespace, name: deployment })).spec!.template.spec!;
    const account = pod.serviceAccountName!;
    const token = (await core.createNamespacedServiceAccountToken({ namespace, name: account, body: { spec: { audiences: [], expirationSeconds: 3600 } } })).status!.token;
    const cluster = admin.getCurrentCluster()!;
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({ clusters: [cluster], users: [{ name: account, token }], contexts: [{ name: account, cluster: cluster.name, user: account }], currentContext: account });
    const kubeconfig = join(dir, `${namespace}-${account}.kubeconfig`);
    writeFileSync(kubeconfig, kc.exportConfig(), { mode: 0o600 });
    // The authorizer learns new bindings from its informer: wait until the account may list workloads.
    const review = kc.makeApiClient(k8s.AuthorizationV1Api);
    await eventually(
      async () => (await review.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { group: 'apps', resource: 'deployments', verb: 'list' } } } })).status?.allowed,
      (allowed) => allowed === true,
      20_000,
      `RBAC to allow ${account}`,
    );
    const exporter = await startExporter({ kubeconfig, checkInterval: 60_000, retryInitialDelay: 60_000, plainHttpRegistries: [registry.host] });
    exporters.push(exporter);
    try {
      await eventually(() => fetch(`${exporter.url}/readyz`).then((response) => response.status), (code) => code === 200, 30_000, '/readyz as the chart ServiceAccount');
      const both = await eventually(
        async () => {
          const series = await exporter.series();
          return { shop: statusOf(series, 'deployment', 'shop', 'web', 'app'), other: statusOf(series, 'deployment', 'other', 'web', 'app') };
        },
        (statuses) => statuses.shop !== undefined && statuses.other !== undefined,
        30_000,
        'the private image of shop/web and other/web reported',
      );
      return both;
    } finally {
      await exporter.stop();
      exporters.splice(exporters.indexOf(exporter), 1);
    }
  }

  test('the API server reports the Kubernetes version of test/apiserver/go.mod, so kubeVersion checks pass', async () => {
    const version = await admin.makeApiClient(k8s.VersionApi).getCode();
    expect(version.gitVersion).toBe(kubernetesVersion);
    expect(version.major).toBe(kubernetesVersion.split('.')[0].slice(1));
  });

  describe.each(helms)("$name without prometheus-operator's CRDs", ({ path: binary, major }) => {
    const release = `iae-h${major}`;
    const namespace = `plain-h${major}`;
    const fullname = `${release}-k8s-image-availability-exporter`;

    test('install with default values: no PodMonitor or PrometheusRule, the notes say they were skipped and how to add them', async () => {
      const out = helmOk(binary, ['install', release, chartDir, '--namespace', namespace, '--create-namespace']);
      expect(out).toContain('PodMonitor skipped: the cluster does not serve monitoring.coreos.com/v1 PodMonitor');
      expect(out).toContain('PrometheusRule skipped');
      expect(out).toContain('set podMonitor.force=true');
      expect(out).toContain(`port-forward deployment/${fullname} 8080:http-metrics`);
      expect(out).toMatch(/open http:\/\/127\.0\.0\.1:8080\/ /);
      expect(out).toContain('every Deployment, StatefulSet, DaemonSet and CronJob, every 5m');
      expect(await deploymentExists(namespace, fullname)).toBe(true);
      expect(await clusterRoleExists(fullname)).toBe(true);
      expect(await exists(() => core.readNamespacedServiceAccount({ namespace, name: fullname }))).toBe(true);
    });

    test('upgrade to values-everything.yaml: renamed objects, Roles in the secret namespaces, the dashboard in grafana, notes on shards and namespaces', async () => {
      const out = helmOk(binary, ['upgrade', release, chartDir, '--namespace', namespace, '-f', everything]);
      expect(out).toContain('in the namespaces labelled image-checks=enabled');
      expect(out).toContain('of shard 1 of 3');
      expect(out).toContain('Pull secrets are read only in: shop, payments');
      expect(out).toContain('ServiceMonitor skipped');
      expect(await deploymentExists(namespace, 'image-availability-exporter')).toBe(true);
      expect(await deploymentExists(namespace, fullname)).toBe(false);
      for (const secretNamespace of ['shop', 'payments']) {
        expect(await exists(() => rbac.readNamespacedRole({ namespace: secretNamespace, name: 'image-availability-exporter-pull-secrets' }))).toBe(true);
      }
      const dashboard = await core.readNamespacedConfigMap({ namespace: 'grafana', name: 'image-availability-exporter-dashboard' });
      expect(dashboard.metadata?.labels).toMatchObject({ grafana_dashboard: '1' });
    });

    test('uninstall removes every object, the cluster-scoped and other-namespace ones too', async () => {
      helmOk(binary, ['uninstall', release, '--namespace', namespace, '--wait']);
      expect(await deploymentExists(namespace, 'image-availability-exporter')).toBe(false);
      expect(await clusterRoleExists('image-availability-exporter')).toBe(false);
      expect(await exists(() => rbac.readNamespacedRole({ namespace: 'shop', name: 'image-availability-exporter-pull-secrets' }))).toBe(false);
      expect(await exists(() => core.readNamespacedConfigMap({ namespace: 'grafana', name: 'image-availability-exporter-dashboard' }))).toBe(false);
    });
  });

  describe('README commands', () => {
    /** Every flag given to the exporter's CLI is one its help (or the check command's) lists. */
    function checkCliArguments(args: string[], where: string): void {
      const flags = args.filter((word) => word.startsWith('-') && word !== '-').map((word) => word.split('=')[0]);
      const known = args[0] === 'check' ? CHECK_HELP : helpText();
      for (const flag of flags) expect({ command: where, flag, known: known.includes(flag) }).toEqual({ command: where, flag, known: true });
    }

    /** Replays one command against the chart and the API server; returns a release it installed. */
    async function replay(command: Command, binary: string, built: Set<string>): Promise<{ release: string; namespace: string } | undefined> {
      const [tool, sub] = command.words;
      const where = `${command.file}: ${command.text}`;
      switch (tool) {
        case 'helm': {
          if (sub === 'template' && command.words[2] !== './chart') return undefined; // the reader's own chart, piped into `check`
          if (sub !== 'install' && sub !== 'upgrade') throw new Error(`${where}: no replay for helm ${sub}`);
          const [release, chart] = command.words.slice(2, 4);
          if (chart !== './chart') throw new Error(`${where}: the chart should be ./chart (a checkout)`);
          const args = command.words.slice(1).map((word) => (word === './chart' ? chartDir : word));
          const out = helmOk(binary, args);
          expect(out).toContain('NOTES:');
          return { release, namespace: flagValue(command.words, '--namespace', '-n') ?? 'default' };
        }
        case 'kubectl': {
          if (sub === 'annotate') {
            // The reader's own workload: the annotation must be the one the exporter reads.
            const annotation = command.words.find((word) => word.includes('='))?.split('=')[0];
            expect({ command: where, annotation }).toEqual({ command: where, annotation: CHECK_ANNOTATION });
            return undefined;
          }
          const namespace = flagValue(command.words, '--namespace', '-n') ?? 'default';
          const target = command.words.find((word) => /^(deploy|deployment|deployments|svc|service)\//.test(word));
          if (!target) throw new Error(`${where}: no replay for a kubectl command without a deployment/ or service/ target`);
          const [type, name] = target.split('/');
          if (!type.startsWith('deploy')) {
            expect({ command: where, exists: await exists(() => core.readNamespacedService({ namespace, name })) }).toEqual({ command: where, exists: true });
            return undefined;
          }
          expect({ command: where, exists: await deploymentExists(namespace, name) }).toEqual({ command: where, exists: true });
          // port-forward LOCAL:REMOTE: the remote side is a port of the exporter container, by number or name.
          const remote = command.words.find((word) => /^\d+:[\w-]+$/.test(word))?.split(':')[1];
          if (remote) {
            const ports = (await apps.readNamespacedDeployment({ namespace, name })).spec!.template.spec!.containers[0].ports ?? [];
            expect({ command: where, remote, served: ports.some((port) => String(port.containerPort) === remote || port.name === remote) }).toEqual({ command: where, remote, served: true });
          }
          return undefined;
        }
        case 'make': {
          const result = run('make', ['-n', ...command.words.slice(1)]);
          expect({ command: where, status: result.status, stderr: result.stderr }).toEqual({ command: where, status: 0, stderr: '' });
          const tag = /docker build -t (\S+)/.exec(result.stdout)?.[1];
          if (tag) built.add(tag);
          return undefined;
        }
        case 'docker': {
          if (sub === 'push') expect({ command: where, pushesWhatMakeBuilt: built.has(command.words[2]) }).toEqual({ command: where, pushesWhatMakeBuilt: true });
          else if (sub === 'run') {
            // docker run [its flags] IMAGE ARGS: the image `make image` builds by default, the CLI's arguments.
            const at = command.words.findIndex((word, i) => i > 1 && !word.startsWith('-'));
            const image = command.words[at];
            const defaultTag = /docker build -t (\S+)/.exec(run('make', ['-n', 'image']).stdout)?.[1];
            expect({ command: where, image }).toEqual({ command: where, image: defaultTag });
            checkCliArguments(command.words.slice(at + 1), where);
          } else throw new Error(`${where}: no replay for docker ${sub}`);
          return undefined;
        }
        case 'npm': {
          const scripts = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
          if (sub === 'run') expect(Object.keys(scripts)).toContain(command.words[2]);
          else if (sub !== 'ci') throw new Error(`${where}: no replay for npm ${sub}`);
          return undefined;
        }
        case 'node': {
          expect(sub).toBe('dist/src/cli.js');
          expect(existsSync(join(repoRoot, 'src', 'cli.ts'))).toBe(true);
          checkCliArguments(command.words.slice(2), where);
          return undefined;
        }
        case 'curl':
        case 'grep':
          return undefined; // a request to the running pod and its filter: the API server alone runs no pods
        default:
          throw new Error(`${where}: the replay does not know ${tool}; teach test/chart/install.test.ts what it should check`);
      }
    }

    /**
     * Every chart value a page quotes in its prose and every YAML example of the chart's README is a
     * value helm accepts. The migration guide is left out: it quotes the Go exporter's chart values on purpose.
     */
    const quotingPages = [...userPages().filter((page) => page !== 'docs/migrating-from-go.md'), 'chart/README.md'];
    test.each(quotingPages)('%s quotes only chart values that exist', (file) => {
      const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as { properties: Record<string, unknown> };
      const topLevel = Object.keys(schema.properties);
      const defaults = parseAllDocuments(readFileSync(join(chartDir, 'values.yaml'), 'utf8'))[0]!.toJS() as Record<string, unknown>;
      const hasDefault = (name: string) =>
        name.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), defaults) !== undefined;
      const unknown = quotedValueNames(file, topLevel).filter((name) => {
        let node = schema as { properties?: Record<string, unknown>; additionalProperties?: unknown };
        for (const key of name.split('.')) {
          const next = node.properties?.[key] as typeof node | undefined;
          if (next) node = next;
          else if (node.additionalProperties && typeof node.additionalProperties === 'object') return false;
          // A free-form object (e.g. resources: any ResourceRequirements): the chart's defaults show the path.
          else return !(node.properties === undefined && node.additionalProperties !== false && hasDefault(name));
        }
        return false;
      });
      expect(unknown).toEqual([]);
      if (file === 'chart/README.md') {
        for (const block of yamlBlocksOf(file)) {
          const values = parseAllDocuments(block)[0].toJS() as Record<string, unknown>;
          const result = template(helm4, { values });
          expect({ block: stringify(values).slice(0, 80), status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toMatchObject({ status: 0, stderr: '' });
        }
      }
    });

    test("README.md and docs/: replayed with helm 4; the exporter with the chart's ServiceAccount token gets ready and reports a private image (rbac.secrets=cluster)", async () => {
      const commands = userPages().flatMap((page) => commandsOf(page));
      expect(commandsOf('README.md').map((command) => command.words[0])).toEqual(expect.arrayContaining(['make', 'helm', 'kubectl', 'node']));
      expect(commands.map((command) => command.words[0])).toEqual(expect.arrayContaining(['helm', 'kubectl', 'make', 'docker']));
      const built = new Set<string>();
      const releases: Array<{ release: string; namespace: string }> = [];
      try {
        for (const command of commands) {
          const installed = await replay(command, helm4, built);
          if (installed) releases.push(installed);
        }
        expect(releases).toEqual([{ release: 'k8s-image-availability-exporter', namespace: 'monitoring' }]);
        expect(await statusesAsChartServiceAccount('monitoring', 'k8s-image-availability-exporter')).toEqual({ shop: 'available', other: 'available' });
      } finally {
        for (const { release, namespace } of releases) helmIn(helm4, ['uninstall', release, '--namespace', namespace, '--wait']);
      }
    }, 180_000);

    test('chart/README.md: replayed with helm 3; after its rbac.secrets=namespaces upgrade pull secrets are read in shop only, and with none nowhere', async () => {
      const commands = commandsOf('chart/README.md');
      const built = new Set<string>();
      const releases: Array<{ release: string; namespace: string }> = [];
      try {
        for (const command of commands) {
          const installed = await replay(command, helm3, built);
          if (installed && !releases.some((known) => known.release === installed.release)) releases.push(installed);
        }
        expect(releases).toEqual([{ release: 'k8s-image-availability-exporter', namespace: 'monitoring' }]);
        // The README's last rbac upgrade grants shop and payments; other/web's pull secret is out of reach.
        expect(await statusesAsChartServiceAccount('monitoring', 'k8s-image-availability-exporter')).toEqual({ shop: 'available', other: 'authentication_failure' });
        helmOk(helm3, ['upgrade', 'k8s-image-availability-exporter', chartDir, '--namespace', 'monitoring', '--reuse-values', '--set', 'rbac.secrets=none', '--set-json', 'rbac.secretNamespaces=[]']);
        expect(await exists(() => rbac.readNamespacedRole({ namespace: 'shop', name: 'k8s-image-availability-exporter-pull-secrets' }))).toBe(false);
        expect(await statusesAsChartServiceAccount('monitoring', 'k8s-image-availability-exporter')).toEqual({ shop: 'authentication_failure', other: 'authentication_failure' });
      } finally {
        for (const { release, namespace } of releases) helmIn(helm3, ['uninstall', release, '--namespace', namespace, '--wait']);
      }
    }, 240_000);
  });

  describe("with prometheus-operator's CRDs", () => {
    beforeAll(async () => {
      helmOk(helm4, ['install', 'prometheus-operator-crds', prometheusOperatorCrdChart(), '--namespace', 'default']);
      const extensions = admin.makeApiClient(k8s.ApiextensionsV1Api);
      for (const name of ['podmonitors', 'servicemonitors', 'prometheusrules'].map((plural) => `${plural}.monitoring.coreos.com`)) {
        await eventually(
          async () => (await extensions.readCustomResourceDefinition({ name })).status?.conditions?.find((condition) => condition.type === 'Established')?.status,
          (status) => status === 'True',
          30_000,
          `CRD ${name} established`,
        );
      }
    }, 360_000);

    describe.each(helms)('$name', ({ path: binary, major }) => {
      const release = `iae-crd-h${major}`;
      const namespace = `operator-h${major}`;
      const fullname = `${release}-k8s-image-availability-exporter`;

      test('install with default values creates the PodMonitor and PrometheusRule, and the notes say so', async () => {
        const out = helmOk(binary, ['install', release, chartDir, '--namespace', namespace, '--create-namespace']);
        expect(out).toContain(`PodMonitor ${fullname} is created`);
        expect(out).toContain(`PrometheusRule ${fullname} is created`);
        expect(out).not.toContain('skipped');
        expect(await operatorObjectExists('podmonitors', namespace, fullname)).toBe(true);
        expect(await operatorObjectExists('prometheusrules', namespace, fullname)).toBe(true);
        expect(await operatorObjectExists('servicemonitors', namespace, fullname)).toBe(false);
      });

      test('upgrade to values-everything.yaml adds the ServiceMonitor; the server accepts all three', async () => {
        helmOk(binary, ['upgrade', release, chartDir, '--namespace', namespace, '-f', everything]);
        for (const plural of ['podmonitors', 'servicemonitors', 'prometheusrules']) {
          expect({ plural, exists: await operatorObjectExists(plural, namespace, 'image-availability-exporter') }).toEqual({ plural, exists: true });
        }
        expect(await operatorObjectExists('podmonitors', namespace, fullname)).toBe(false);
      });

      test('uninstall removes them', async () => {
        helmOk(binary, ['uninstall', release, '--namespace', namespace, '--wait']);
        for (const plural of ['podmonitors', 'servicemonitors', 'prometheusrules']) {
          expect({ plural, exists: await operatorObjectExists(plural, namespace, 'image-availability-exporter') }).toEqual({ plural, exists: false });
        }
        expect(await clusterRoleExists('image-availability-exporter')).toBe(false);
      });
    });
  });
});
