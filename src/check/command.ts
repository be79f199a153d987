// `check`: a CI gate before deployment. Reads manifests, checks every image with the exporter's
// own client and credential rules, prints a table (or JSON) and exits 1 unless all are available.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { loadSettings } from '../config.js';
import { ImageFilter } from '../index/image-filter.js';
import { ImageResolver } from '../index/image-resolver.js';
import { RegistryClient, type CheckResult } from '../registry/client.js';
import { cloudCredentialProviders } from '../registry/cloud/providers.js';
import { checkWithProviders, DockerConfigProvider, type CredentialProvider } from '../registry/credential-provider.js';
import { credentialSources } from '../registry/credential-sources.js';
import { credentialsFromSecret, SecretFormatError, type KeyringEntry } from '../registry/credentials.js';
import { DockerConfigFileError } from '../registry/own-docker-config.js';
import { ReferenceError } from '../registry/reference.js';
import { registryOverrides } from '../registry/registry-overrides.js';
import type { Status } from '../status.js';
import { packageVersion } from '../version.js';
import { imagesInManifests, ManifestError } from './manifests.js';

export const CHECK_HELP = `Usage: k8s-image-availability-exporter check -f FILE [-f FILE ...] [options]

Checks every image used by the Kubernetes manifests in FILE ("-" reads stdin; multi-document
YAML and Lists; Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, Pods, ReplicaSets) and
exits 1 unless all are available.

  -f, --filename FILE     manifests to read (repeatable)
  --output table|json     result format on stdout (default table); progress goes to stderr
  --docker-config FILE    Docker config with "auths", credsStore or credHelpers (default: $DOCKER_CONFIG/config.json
                          or ~/.docker/config.json if present; tried after every other source)
  --pull-secret FILE      a kubernetes.io/dockerconfigjson Secret manifest to use as well (repeatable)

Registry settings of the exporter apply too: --capath, --skip-registry-cert-verification,
--allow-plain-http, --registry-request-timeout, --registry-concurrency, --default-registry,
--image-mirror, --ignored-images, --allowed-images, --cloud-credentials, --cloud-credential-host,
--cloud-credential-endpoint, --image-credential-provider-config, --image-credential-provider-bin-dir,
--node-docker-config-root, --docker-config-credentials.`;

export type CheckRow = { image: string; status: Status; reason: string; workloads: string[] };

type CheckArgs = { files: string[]; output: 'table' | 'json'; dockerConfig?: string; pullSecrets: string[]; rest: string[] };

export class UsageError extends Error {}

export async function runCheckCommand(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; stdin: () => string; env: NodeJS.ProcessEnv },
): Promise<number> {
  const args = parseCheckArgs(argv);
  const settings = loadSettings(args.rest, io.env);
  const registries = registryOverrides(settings, { warn: (detail: object, message?: string) => io.stderr.write(`warning: ${message ?? ''} ${JSON.stringify(detail)}\n`) });
  const resolver = new ImageResolver(settings.defaultRegistry, registries.imageMirrors);
  const filter = new ImageFilter(settings.ignoredImages, settings.allowedImages, resolver);
  const pullSecrets = loadPullSecrets(args.pullSecrets, io.stderr);

  const found = args.files.flatMap((file) => imagesInManifests(file === '-' ? io.stdin() : readFileSync(file, 'utf8'), file === '-' ? 'stdin' : file));
  const byImage = new Map<string, string[]>();
  for (const usage of found) {
    const users = byImage.get(usage.image) ?? [];
    users.push(`${usage.workload} (${usage.container})`);
    byImage.set(usage.image, users);
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
    providers = [new DockerConfigProvider(pullSecrets), ...credentialSources(settings, [...registries.providers, ...cloud.providers], { warn: say('warning'), info: say('info') }, io.env, args.dockerConfig)];
  } catch (error) {
    await client.close();
    await cloud.close();
    if (error instanceof DockerConfigFileError) throw new UsageError(`--docker-config: ${error.message}`);
    throw error;
  }
  const rows: CheckRow[] = [];
  const pending = [...byImage.entries()];
  let done = 0;
  const worker = async () => {
    for (let next = pending.shift(); next; next = pending.shift()) {
      const [image, workloads] = next;
      const row = await checkOne(client, resolver, filter, providers, image);
      if (row) rows.push({ ...row, workloads });
      done++;
      if (byImage.size > 5) io.stderr.write(`checked ${done}/${byImage.size}\n`);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(settings.registryConcurrency, byImage.size)) }, worker));
  } finally {
    await client.close();
    await cloud.close();
  }
  rows.sort((a, b) => a.image.localeCompare(b.image));
  io.stdout.write(args.output === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : table(rows));
  const failed = rows.filter((row) => row.status !== 'available').length;
  io.stderr.write(`${rows.length} images checked, ${failed} not available\n`);
  return failed > 0 ? 1 : 0;
}

async function checkOne(
  client: RegistryClient,
  resolver: ImageResolver,
  filter: ImageFilter,
  providers: CredentialProvider[],
  image: string,
): Promise<Omit<CheckRow, 'workloads'> | undefined> {
  let result: CheckResult;
  try {
    const { pulled, checked } = resolver.resolve(image);
    if (filter.ignores(image, pulled)) return undefined;
    result = await checkWithProviders(client, checked, providers);
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    if (filter.ignores(image)) return undefined;
    result = { status: 'bad_image_format', message: error.message };
  }
  return { image, status: result.status, reason: result.status === 'available' ? '' : result.message };
}

function parseCheckArgs(argv: string[]): CheckArgs {
  const args: CheckArgs = { files: [], output: 'table', pullSecrets: [], rest: [] };
  for (let i = 0; i < argv.length; i++) {
    // Go's one-dash spelling of the long flags, as the exporter's settings accept it too.
    const arg = /^-(filename|output|docker-config|pull-secret)(=|$)/.test(argv[i]) ? `-${argv[i]}` : argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '-f' || flag === '--filename') args.files.push(value());
    else if (flag === '--output' || flag === '-o') {
      const output = value();
      if (output !== 'table' && output !== 'json') throw new UsageError(`--output must be table or json, not ${output}`);
      args.output = output;
    } else if (flag === '--docker-config') args.dockerConfig = value();
    else if (flag === '--pull-secret') args.pullSecrets.push(value());
    else args.rest.push(arg);
  }
  if (args.files.length === 0) throw new UsageError('no manifests: give -f FILE (or -f - for stdin)');
  return args;
}

function loadPullSecrets(files: string[], stderr: NodeJS.WritableStream): KeyringEntry[] {
  const entries: KeyringEntry[] = [];
  for (const file of files) {
    const secret = parseYaml(readFileSync(file, 'utf8')) as { type?: string; data?: Record<string, string>; metadata?: { name?: string } };
    try {
      entries.push(...credentialsFromSecret(secret?.type, secret?.data, `pull secret ${file}`));
    } catch (error) {
      if (!(error instanceof SecretFormatError)) throw error;
      stderr.write(`ignoring pull secret ${file}: ${error.message}\n`);
    }
  }
  return entries;
}

function table(rows: CheckRow[]): string {
  const header = ['STATUS', 'IMAGE', 'USED BY', 'REASON'];
  const cells = rows.map((row) => [row.status, row.image, row.workloads.join(', '), row.reason]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => cell[column].length)));
  const line = (cell: string[]) => cell.map((text, column) => (column === cell.length - 1 ? text : text.padEnd(widths[column]))).join('  ').trimEnd();
  return `${[header, ...cells].map(line).join('\n')}\n`;
}

export { ManifestError };
