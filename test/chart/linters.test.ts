// The field's linters on the chart rendered by the real helm (with its defaults, with everything on,
// and more: `renders` below) and on monitoring/: kubeconform in strict mode against schemas
// generated from the test bed's real kube-apiserver (prometheus-operator's and cert-manager's CRDs
// applied to it); kube-score; and the API server itself in a strict server-side dry run, whose
// deprecation warnings are what pluto looks for. (promtool's rule linter runs in
// test/monitoring/rules-lint.test.ts, yamllint in test/chart/yamllint.test.ts.)
// A finding fails the test unless test/chart/lint-findings-kept.yaml keeps it with its reason, and a
// kept finding that no longer occurs fails it too, so the list stays true.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { everythingNamespaces, helm3, operatorApiVersions, parseManifests, template, type K8sObject, type RenderOptions } from '../support/helm.js';
import { schemaLocation, writeKubeSchemas } from '../support/kube-schemas.js';
import { kubectl } from '../support/kubectl.js';
import { goModuleDir } from '../support/go-module.js';
import { kubeconform, kubeScore, serverDryRun, type Finding } from '../support/linters.js';
import { repoRoot } from '../support/tools.js';
import { prometheusOperatorCrdChart } from './prometheus-operator-crds.js';

const everythingFile = join(repoRoot, 'test', 'chart', 'values-everything.yaml');
const keptFile = join(repoRoot, 'test', 'chart', 'lint-findings-kept.yaml');

/** The cert-manager release whose CRDs give the Certificate and Issuer of admission.certManager their schemas. */
const CERT_MANAGER_VERSION = 'v1.19.2';
function certManagerCrds(): string[] {
  const dir = join(goModuleDir('github.com/cert-manager/cert-manager', CERT_MANAGER_VERSION, "cert-manager's CRD manifests"), 'deploy', 'crds');
  return ['certificates', 'issuers'].map((plural) => join(dir, `cert-manager.io_${plural}.yaml`));
}

/**
 * The renders linted: what a plain install gets; every value set with every optional part on; the
 * admission webhook with the certificate the chart generates, and with one from a self-signed
 * cert-manager Issuer; and the sharded StatefulSet.
 */
const renders: Record<string, RenderOptions> = {
  defaults: {},
  everything: {
    valuesFiles: [everythingFile],
    // Off in that file only for the other tests' sake (its comments say why).
    values: { admission: { enabled: true }, kubeletCredentials: { enabled: true } },
    apiVersions: operatorApiVersions,
  },
  admission: { values: { admission: { enabled: true } } },
  'admission-cert-manager': { values: { admission: { enabled: true, certManager: { enabled: true } } } },
  sharded: { values: { shards: 3 } },
};

type Kept = { linter: string; check: string; objects: string[]; reason: string };
const kept = parse(readFileSync(keptFile, 'utf8')) as Kept[];

/** The findings the kept list does not account for, and the kept objects no finding matches any more. */
function unexplained(findings: Array<Finding & { render: string }>, linter: string): string[] {
  const matches = (entry: Kept, finding: Finding) => entry.linter === finding.linter && entry.check === finding.check && entry.objects.includes(finding.object);
  const stale = kept
    .filter((entry) => entry.linter === linter)
    .flatMap((entry) => entry.objects.filter((object) => !findings.some((finding) => matches(entry, finding) && finding.object === object)).map((object) => ({ entry, object })));
  return findings
    .filter((finding) => !kept.some((entry) => matches(entry, finding)))
    .map((finding) => `${finding.render}: ${finding.linter} ${finding.object} ${finding.check}: ${finding.message}`)
    .concat(stale.map(({ entry, object }) => `kept but no longer found (remove it from lint-findings-kept.yaml): ${entry.linter} ${object} ${entry.check}`));
}

const renderCache = new Map<string, { file: string; objects: K8sObject[] }>();

/** The render's objects, and a file holding them for the linters; helm runs once per render. */
function rendered(name: string): { file: string; objects: K8sObject[] } {
  const cached = renderCache.get(name);
  if (cached) return cached;
  const result = template(helm3, { namespace: 'monitoring', release: 'iae', ...renders[name] });
  if (result.status !== 0) throw new Error(`${result.command} exited ${result.status}\n${result.stderr}`);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, result.stdout);
  renderCache.set(name, { file, objects: parseManifests(result.stdout) });
  return renderCache.get(name)!;
}

const dir = mkdtempSync(join(tmpdir(), 'iae-linters-'));
const monitoringObjects = join(repoRoot, 'monitoring', 'podmonitor.yaml');

describe('the linters on the rendered chart and monitoring/', () => {
  let api: ApiServer;
  let schemas: string;

  beforeAll(async () => {
    api = await startApiServer();
    // The CRDs first, so /openapi/v3 serves their kinds too.
    const crds = [join(prometheusOperatorCrdChart(), 'crds'), ...certManagerCrds()].flatMap((path) => ['-f', path]);
    const applied = await kubectl(api.kubeconfigPath, ['apply', '--server-side', ...crds], undefined, 60_000);
    if (applied.code !== 0) throw new Error(`applying the CRDs failed: ${applied.stderr}`);
    await kubectl(api.kubeconfigPath, ['wait', '--for=condition=Established', '--timeout=60s', ...crds], undefined, 70_000);
    for (const namespace of ['monitoring', ...everythingNamespaces()]) await kubectl(api.kubeconfigPath, ['create', 'namespace', namespace]);
    schemas = join(dir, 'schemas');
    await waitForCrdSchemas(api.kubeconfigPath, schemas);
  }, 240_000);

  afterAll(async () => {
    await api?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('kubeconform -strict, against the API server\'s own schemas, finds nothing not kept', () => {
    const findings = Object.keys(renders).flatMap((name) => kubeconform(rendered(name).file, schemaLocation(schemas)).map((finding) => ({ ...finding, render: name })));
    findings.push(...kubeconform(monitoringObjects, schemaLocation(schemas)).map((finding) => ({ ...finding, render: 'monitoring' })));
    expect(unexplained(findings, 'kubeconform')).toEqual([]);
  });

  test('kubeconform catches a misspelt optional field, so a clean run means something', () => {
    const file = join(dir, 'misspelt.yaml');
    const deployment = structuredClone(rendered('defaults').objects.find((object) => object.kind === 'Deployment')!);
    const spec = (deployment.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    spec.priorityClasName = 'monitoring';
    writeFileSync(file, stringify(deployment));
    expect(kubeconform(file, schemaLocation(schemas))).toEqual([
      expect.objectContaining({ object: `Deployment/${deployment.metadata.name}`, check: 'statusInvalid', message: expect.stringContaining('priorityClasName') }),
    ]);
  });

  test('kube-score finds nothing not kept', () => {
    const findings = Object.keys(renders).flatMap((name) => kubeScore(rendered(name).file).map((finding) => ({ ...finding, render: name })));
    expect(unexplained(findings, 'kube-score')).toEqual([]);
  });

  test('the API server takes every object in a strict server-side dry run, warning of no deprecated API', async () => {
    const findings: Array<Finding & { render: string }> = [];
    for (const name of Object.keys(renders)) {
      findings.push(...(await serverDryRun(api.kubeconfigPath, rendered(name).objects)).map((finding) => ({ ...finding, render: name })));
    }
    expect(unexplained(findings, 'kube-apiserver')).toEqual([]);
  });

  test('the dry run reports a deprecated API and a misspelt field, so a clean run means something', async () => {
    // core/v1 Endpoints: deprecated since Kubernetes 1.33 in favour of discovery.k8s.io/v1 EndpointSlice.
    const endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'old', namespace: 'monitoring' } };
    const misspelt = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'typo', namespace: 'monitoring' }, dat: { a: 'b' } };
    expect(await serverDryRun(api.kubeconfigPath, [endpoints, misspelt])).toEqual([
      expect.objectContaining({ object: 'Endpoints/old', check: 'warning', message: expect.stringContaining('deprecated') }),
      expect.objectContaining({ object: 'ConfigMap/typo', check: 'error', message: expect.stringContaining('.dat: field not declared in schema') }),
    ]);
  });
});

/** Writes the schemas once the API server's /openapi/v3 serves the CRDs' kinds (it publishes a new CRD's within seconds). */
async function waitForCrdSchemas(kubeconfig: string, target: string): Promise<void> {
  const expected = ['monitoring.coreos.com/podmonitor_v1.json', 'monitoring.coreos.com/prometheusrule_v1.json', 'cert-manager.io/certificate_v1.json'];
  const deadline = Date.now() + 60_000;
  for (;;) {
    await writeKubeSchemas(kubeconfig, target);
    const missing = expected.filter((file) => !existsSync(join(target, file)));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`/openapi/v3 served no schema for ${missing.join(', ')} within 60 s of applying the CRDs`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
