// `check`: a CI gate before deployment. Reads manifests, checks every image with the exporter's
// own index rules (which pull secrets a pod uses, disabled workloads), checker and client, prints a
// table (or JSON) and exits 0 when all are available, 1 when some are not, 2 when it could not
// check (usage, unreadable or invalid input, no images at all).
import { readFileSync, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { parse as parseYaml } from 'yaml';
import { imageChecker } from '../checks/image-checker.js';
import { ConfigError, loadSettings } from '../settings/config.js';
import { unitFor, podPullSecretNames, MAX_PULL_SECRETS, type CheckUnit } from '../index/image-index.js';
import { ImageFilter } from '../index/image-filter.js';
import { ImageResolver } from '../index/image-resolver.js';
import { PullSecrets, type ReadSecret } from '../kube/pull-secrets.js';
import { KIND_NAMES } from '../kube/workload-kinds.js';
import { CHECK_ANNOTATION, leftOut } from '../kube/workload-selection.js';
import { createLogger } from '../log/log.js';
import { RegistryClient, type CheckResult } from '../registry/client.js';
import { cloudCredentialProviders } from '../registry/credentials/cloud/providers.js';
import { DockerConfigProvider, type CredentialProvider } from '../registry/credentials/credential-provider.js';
import { credentialSources } from '../registry/credentials/credential-sources.js';
import { credentialsFromSecret, SecretFormatError, type KeyringEntry } from '../registry/credentials/credentials.js';
import { DockerConfigFileError } from '../registry/credentials/own-docker-config.js';
import { ReferenceError } from '../registry/references/reference.js';
import { registryOverrides } from '../registry/settings/registry-overrides.js';
import type { Status } from '../status.js';
import { packageVersion } from '../version.js';
import { emptyManifests, ManifestError, readManifests, type Manifests, type ManifestWorkload } from './manifests.js';

export const CHECK_HELP = `Usage: k8s-image-availability-exporter check -f FILE [-f FILE ...] [options]

Checks every image used by the Kubernetes manifests in FILE ("-" reads stdin; multi-document
YAML and Lists; Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, Pods, ReplicaSets) with the
exporter's rules: a workload's own imagePullSecrets, else those of its ServiceAccount, read from the
Secrets and ServiceAccounts among the manifests; workloads scaled to zero and suspended CronJobs are
skipped unless --force-check-disabled-controllers names their kind; so are workloads annotated
image-availability-exporter.io/check: "false" and those in --ignored-namespaces (unless annotated "true").

Exit status: 0 every image is available; 1 at least one is not; 2 nothing was checked: a usage
error, a file that cannot be read, invalid YAML, or no images in the input (unless --allow-empty).

  -f, --filename FILE     manifests to read (repeatable)
  -n, --namespace NS      namespace of objects that name none, as kubectl apply would (default "default")
  --output table|json     result format on stdout (default table); progress goes to stderr on a terminal
  --allow-empty           exit 0 when the input has no images (default: exit 2, so a gate never passes on nothing)
  --docker-config FILE    Docker config with "auths", credsStore or credHelpers (default: $DOCKER_CONFIG/config.json
                          or ~/.docker/config.json if present; tried after every other source)
  --pull-secret FILE      a kubernetes.io/dockerconfigjson Secret manifest tried for every image (repeatable)

Registry settings of the exporter apply too: --capath, --skip-registry-cert-verification,
--allow-plain-http, --registry-request-timeout, --registry-concurrency, --default-registry,
--image-mirror, --ignored-images, --allowed-images, --ignored-namespaces, --force-check-disabled-controllers,
--cloud-credentials, --cloud-credential-host,
--cloud-credential-endpoint, --image-credential-provider-config, --image-credential-provider-bin-dir,
--node-docker-config-root, --docker-config-credentials.`;

export type WorkloadRef = { kind: string; namespace: string; name: string; container: string };
export type CheckRow = { image: string; status: Status; reason: string; workloads: WorkloadRef[] };

type CheckArgs = { files: string[]; output: 'table' | 'json'; namespace: string; allowEmpty: boolean; dockerConfig?: string; pullSecrets: string[]; rest: string[] };
type CheckIo = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream & { isTTY?: boolean }; stdin: () => string; env: NodeJS.ProcessEnv };

/** Bytes read from one input at most. */
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

class UsageError extends Error {}

/** Runs `check` and returns its exit status; errors that stop it are one line on stderr and exit 2. */
export async function runCheckCommand(argv: string[], io: CheckIo): Promise<number> {
  try {
    return await check(argv, io);
  } catch (error) {
    const known = error instanceof UsageError || error instanceof ConfigError || error instanceof ManifestError;
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(known ? `check: ${message}\n` : `check: could not check the images (${message}); this is a bug, please report it with the command line\n`);
    return 2;
  }
}

async function check(argv: string[], io: CheckIo): Promise<number> {
  const args = parseCheckArgs(argv);
  const settings = loadSettings(args.rest, io.env);
  const manifests = emptyManifests();
  for (const file of args.files) readManifests(readInput(file, io), file === '-' ? 'stdin' : file, args.namespace, manifests);
  if (manifests.workloads.length === 0) {
    io.stderr.write(`no workloads with images in ${args.files.join(', ')}: nothing was checked${args.allowEmpty ? '' : ' (--allow-empty accepts that)'}\n`);
    return args.allowEmpty ? 0 : 2;
  }

  const registries = registryOverrides(settings, { warn: (detail: object, message?: string) => io.stderr.write(`warning: ${message ?? ''} ${JSON.stringify(detail)}\n`) });
  const resolver = new ImageResolver(settings.defaultRegistry, registries.imageMirrors);
  const filter = new ImageFilter(settings.ignoredImages, settings.allowedImages, resolver);
  const forced = new Set(settings.forceCheckDisabledControllers.includes('*') ? KIND_NAMES : settings.forceCheckDisabledControllers);
  const skipped = manifests.workloads.filter((workload) => workload.disabled && !forced.has(workload.watchedKind!));
  const ignoredNamespaces = new Set(settings.ignoredNamespaces);
  const leftOutHere = manifests.workloads.filter((workload) => leftOut(workload.namespace, workload.annotations, { ignored: ignoredNamespaces }));
  const plan = planChecks(manifests, manifests.workloads.filter((workload) => !skipped.includes(workload) && !leftOutHere.includes(workload)), resolver, filter);
  if (skipped.length > 0) {
    const kinds = [...new Set(skipped.map((workload) => workload.watchedKind))].join(',');
    const named = skipped.slice(0, 20).map((w) => `${w.kind}/${w.namespace}/${w.name}`.slice(0, 200));
    const more = skipped.length > named.length ? ` and ${skipped.length - named.length} more` : '';
    io.stderr.write(`skipped ${skipped.length} workload(s) scaled to zero or suspended, as the exporter does: ${named.join(', ')}${more}; --force-check-disabled-controllers=${kinds} checks them\n`);
  }
  if (leftOutHere.length > 0) {
    const named = leftOutHere.slice(0, 20).map((w) => `${w.kind}/${w.namespace}/${w.name}`.slice(0, 200));
    const more = leftOutHere.length > named.length ? ` and ${leftOutHere.length - named.length} more` : '';
    io.stderr.write(`left out ${leftOutHere.length} workload(s), as the exporter does: ${named.join(', ')}${more}; their namespace is in --ignored-namespaces or they are annotated ${CHECK_ANNOTATION}: "false" (annotate "true" to check one anyway)\n`);
  }

  const client = new RegistryClient({
    requestTimeoutMs: settings.registryRequestTimeout,
    caFiles: settings.caFiles,
    hostCaPems: registries.hostCaPems,
    insecureSkipVerifyHosts: registries.insecureSkipVerifyHosts,
    plainHttpHosts: registries.plainHttpHosts,
    plainHttpLoopback: registries.plainHttpLoopback,
    connectionsPerOrigin: registries.connectionsPerOrigin,
    userAgent: `k8s-image-availability-exporter/${packageVersion()} check`,
  });
  const say = (level: string) => (detail: object, message: string) => io.stderr.write(`${level}: ${message} ${JSON.stringify(detail)}\n`);
  const cloud = cloudCredentialProviders(settings, client, { warn: say('warning'), info: say('info') }, io.env);
  let providers: CredentialProvider[];
  try {
    const everyImage = new DockerConfigProvider(loadPullSecretFiles(args.pullSecrets, io.stderr));
    providers = [everyImage, ...credentialSources(settings, [...registries.providers, ...cloud.providers], { warn: say('warning'), info: say('info') }, io.env, args.dockerConfig)];
  } catch (error) {
    await client.close();
    await cloud.close();
    if (error instanceof DockerConfigFileError) throw new UsageError(`--docker-config: ${error.message}`);
    throw error;
  }
  // The exporter's checker, reading pull secrets from the manifests instead of the API server.
  const secrets = new PullSecrets(manifestSecretReader(manifests), createLogger('silent', new Writable({ write: (_chunk, _encoding, done) => done() })));
  const checkUnit = failFastOnTimeout(imageChecker(client, secrets, providers), settings.registryRequestTimeout);

  const rows: CheckRow[] = [...plan.badReferences];
  const pending = [...plan.units.values()];
  const total = pending.length;
  let done = 0;
  const worker = async () => {
    for (let next = pending.shift(); next; next = pending.shift()) {
      const result = await checkUnit(next.unit);
      rows.push({ image: next.image, status: result.status, reason: result.status === 'available' ? '' : result.message, workloads: next.workloads });
      done++;
      if (io.stderr.isTTY && total > 5) io.stderr.write(`checked ${done}/${total}\n`);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(settings.registryConcurrency, total)) }, worker));
  } finally {
    await client.close();
    await cloud.close();
  }
  rows.sort((a, b) => a.image.localeCompare(b.image) || a.status.localeCompare(b.status));
  io.stdout.write(args.output === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : table(rows));
  const failed = rows.filter((row) => row.status !== 'available').length;
  const ignored = plan.ignored > 0 ? `, ${plan.ignored} ignored by --ignored-images/--allowed-images` : '';
  io.stderr.write(`${rows.length} images checked, ${failed} not available${ignored}\n`);
  return failed > 0 ? 1 : 0;
}

type PlannedUnit = { unit: CheckUnit; image: string; workloads: WorkloadRef[] };

/** Workloads → check units as the exporter's index makes them: one per image and pull secret set. */
function planChecks(manifests: Manifests, workloads: ManifestWorkload[], resolver: ImageResolver, filter: ImageFilter) {
  const units = new Map<string, PlannedUnit>();
  const bad = new Map<string, CheckRow>();
  let ignored = 0;
  for (const workload of workloads) {
    const names = podPullSecretNames(workload.podSpec, (account) => manifests.serviceAccountSecrets.get(`${workload.namespace}/${account}`));
    const overLimit = names.length > MAX_PULL_SECRETS ? names.length : undefined;
    for (const container of [...(workload.podSpec.initContainers ?? []), ...(workload.podSpec.containers ?? [])]) {
      if (!container || typeof container !== 'object') continue;
      const image = typeof container.image === 'string' ? container.image : '';
      const user = { kind: workload.kind, namespace: workload.namespace, name: workload.name, container: String(container.name ?? '') };
      let unit: CheckUnit;
      try {
        const { pulled, checked } = resolver.resolve(image);
        if (filter.ignores(image, pulled)) {
          ignored++;
          continue;
        }
        unit = unitFor(checked, workload.namespace, overLimit === undefined ? names : [], overLimit);
      } catch (error) {
        if (!(error instanceof ReferenceError)) throw error;
        if (filter.ignores(image)) {
          ignored++;
          continue;
        }
        const row = bad.get(image) ?? { image, status: 'bad_image_format' as const, reason: error.message, workloads: [] };
        row.workloads.push(user);
        bad.set(image, row);
        continue;
      }
      const planned = units.get(unit.key) ?? { unit, image, workloads: [] };
      planned.workloads.push(user);
      units.set(unit.key, planned);
    }
  }
  return { units, badReferences: [...bad.values()], ignored };
}

/** The manifests' Secrets behind the API the exporter reads them with: absent means 404. */
function manifestSecretReader(manifests: Manifests): ReadSecret {
  return async (namespace, name) => {
    const secret = manifests.secrets.get(`${namespace}/${name}`);
    if (!secret) throw Object.assign(new Error(`secret ${namespace}/${name} is not among the manifests`), { code: 404 });
    return secret;
  };
}

/**
 * After a request to a host timed out, its other images get the same answer at once instead of
 * each waiting out its own timeout: a registry that accepts connections and never answers would
 * otherwise cost one timeout per image.
 */
function failFastOnTimeout(checkUnit: (unit: CheckUnit) => Promise<CheckResult>, timeoutMs: number) {
  const timedOut = new Map<string, CheckResult>();
  return async (unit: CheckUnit): Promise<CheckResult> => {
    const host = unit.reference.registry;
    const known = timedOut.get(host);
    if (known) return known;
    const started = performance.now();
    const result = await checkUnit(unit);
    if (result.status === 'registry_unavailable' && performance.now() - started >= timeoutMs) timedOut.set(host, result);
    return result;
  };
}

function readInput(file: string, io: CheckIo): string {
  let text: string;
  try {
    if (file !== '-' && statSync(file).size > MAX_INPUT_BYTES) throw new UsageError(`${file} is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB; split it`);
    text = file === '-' ? io.stdin() : readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? (error as Error).message);
    throw new UsageError(`cannot read ${file === '-' ? 'stdin' : file}: ${why}; give a readable manifest file, or - for stdin`);
  }
  if (text.length > MAX_INPUT_BYTES) throw new UsageError(`${file === '-' ? 'stdin' : file} is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB; split it`);
  return text;
}

function parseCheckArgs(argv: string[]): CheckArgs {
  const args: CheckArgs = { files: [], output: 'table', namespace: 'default', allowEmpty: false, pullSecrets: [], rest: [] };
  for (let i = 0; i < argv.length; i++) {
    // Go's one-dash spelling of the long flags, as the exporter's settings accept it too.
    const arg = /^-(filename|output|namespace|allow-empty|docker-config|pull-secret)(=|$)/.test(argv[i]) ? `-${argv[i]}` : argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '-f' || flag === '--filename') args.files.push(value());
    else if (flag === '--output' || flag === '-o') {
      const output = value();
      if (output !== 'table' && output !== 'json') throw new UsageError(`--output must be table or json, not ${output.slice(0, 40)}`);
      args.output = output;
    } else if (flag === '-n' || flag === '--namespace') args.namespace = value();
    else if (flag === '--allow-empty') args.allowEmpty = true;
    else if (flag === '--docker-config') args.dockerConfig = value();
    else if (flag === '--pull-secret') args.pullSecrets.push(value());
    else args.rest.push(arg);
  }
  if (args.files.length === 0) throw new UsageError('no manifests: give -f FILE (or -f - for stdin)');
  return args;
}

function loadPullSecretFiles(files: string[], stderr: NodeJS.WritableStream): KeyringEntry[] {
  const entries: KeyringEntry[] = [];
  for (const file of files) {
    let secret: { type?: string; data?: Record<string, string> } | undefined;
    try {
      secret = parseYaml(readFileSync(file, 'utf8')) as typeof secret;
    } catch (error) {
      throw new UsageError(`--pull-secret ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message.split('\n')[0]}`);
    }
    try {
      entries.push(...credentialsFromSecret(secret?.type, secret?.data, `pull secret ${file}`));
    } catch (error) {
      if (!(error instanceof SecretFormatError)) throw error;
      stderr.write(`ignoring pull secret ${file}: ${error.message}\n`);
    }
  }
  return entries;
}

function usedBy(workloads: WorkloadRef[]): string {
  return workloads.map((w) => `${w.kind}/${w.namespace}/${w.name} (${w.container})`).join(', ');
}

function table(rows: CheckRow[]): string {
  const header = ['STATUS', 'IMAGE', 'USED BY', 'REASON'];
  const cells = rows.map((row) => [row.status, row.image, usedBy(row.workloads), row.reason]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => cell[column].length)));
  const line = (cell: string[]) => cell.map((text, column) => (column === cell.length - 1 ? text : text.padEnd(widths[column]))).join('  ').trimEnd();
  return `${[header, ...cells].map(line).join('\n')}\n`;
}

