// Loading the settings: defaults, config file, environment and flags, checked as a whole; every
// refusal is one line naming the setting and where its value came from.
import convict from 'convict';
import { parseFile } from './config-file.js';
import { formatDuration } from './duration.js';
import { FlagSyntaxError, refuseUnreadArguments, withDoubleDashes, type FlagKind } from './flag-syntax.js';
import { statefulSetPod } from '../kube/stateful-set-pod.js';
import { describeSource, settingSource } from './setting-source.js';
import { schema, type Settings } from './settings-schema.js';
import { readCaFile } from '../registry/transport/ca-file.js';
import { loadPluginConfig } from '../registry/credentials/kubelet/plugin-config.js';
import { loadRegistrySettings } from '../registry/settings/registry-settings.js';

export { schema, type Settings } from './settings-schema.js';

export class ConfigError extends Error {}

/**
 * Settings from (lowest to highest precedence) defaults, the config file, environment, flags.
 * The config file is named by --config or IAE_CONFIG_FILE (JSON or YAML).
 */
export function loadSettings(rawArgs: string[], env: NodeJS.ProcessEnv): Settings {
  let args: string[];
  try {
    args = withDoubleDashes(rawArgs, knownName);
    refuseUnreadArguments(args, flagKind);
  } catch (error) {
    if (error instanceof FlagSyntaxError) throw new ConfigError(error.message);
    throw error;
  }
  const config = convict(schema, { args, env });
  const path = configFileFrom(args, env);
  let file: { path: string; values: Record<string, unknown> } | undefined;
  try {
    if (path) {
      file = { path, values: parseFile(path) };
      // load() keeps flags and env above the file's values, as convict documents.
      config.load(file.values);
    }
    config.validate({ allowed: 'strict' });
  } catch (error) {
    throw new ConfigError(withSources(oneLine(error), args, env, file));
  }
  const settings = config.getProperties() as unknown as Settings;
  for (const [key, entry] of Object.entries(schema)) {
    if (!('minimum' in entry) || (settings[key as keyof Settings] as number) >= entry.minimum) continue;
    throw new ConfigError(`${key}: must be at least ${minimumText(entry)}, a lower value would stop or flood the checks${describeSource(settingSource(key, entry, args, env, file))}`);
  }
  if (settings.shard >= settings.totalShards) {
    throw new ConfigError(`shard: must be less than totalShards (${settings.totalShards})${describeSource(settingSource('shard', schema.shard, args, env, file))}`);
  }
  if (settings.autoShard) checkAutoShard(settings);
  if (settings.admissionBindAddress && (!settings.admissionTlsCertFile || !settings.admissionTlsKeyFile)) {
    throw new ConfigError('admissionBindAddress: the admission webhook serves HTTPS only: set admissionTlsCertFile and admissionTlsKeyFile (--admission-tls-cert-file, --admission-tls-key-file), or leave admissionBindAddress empty');
  }
  for (const caFile of settings.caFiles) {
    try {
      readCaFile(caFile);
    } catch (error) {
      throw new ConfigError(`caFiles: ${oneLine(error)} (from ${settingSource('caFiles', schema.caFiles, args, env, file)?.where ?? 'the default'})`);
    }
  }
  if (settings.registriesFile) {
    // Read now so a broken file stops the start with one line, like any other bad setting.
    try {
      loadRegistrySettings(settings.registriesFile);
    } catch (error) {
      throw new ConfigError(`registriesFile: ${oneLine(error)}`);
    }
  }
  if (settings.imageCredentialProviderConfig) {
    // The kubelet refuses to start with a config it cannot use; so does the exporter, with one line.
    try {
      loadPluginConfig(settings.imageCredentialProviderConfig, settings.imageCredentialProviderBinDir);
    } catch (error) {
      throw new ConfigError(`imageCredentialProviderConfig: ${oneLine(error)}`);
    }
  }
  return settings;
}

function checkAutoShard(settings: Settings): void {
  if (settings.totalShards > 1 || settings.shard > 0) {
    throw new ConfigError('autoShard: takes the shard from the pod name, so shard and totalShards must stay unset; remove them or turn autoShard off');
  }
  if (!statefulSetPod(settings.podName)) {
    const got = settings.podName ? `"${settings.podName.slice(0, 100)}"` : 'nothing';
    throw new ConfigError(`podName: autoShard needs the name of a StatefulSet pod (<statefulset>-<ordinal>), got ${got}: set IAE_POD_NAME from the downward API (fieldRef metadata.name)`);
  }
  if (!settings.podNamespace) {
    throw new ConfigError('podNamespace: autoShard needs the pod\'s namespace to read its StatefulSet: set IAE_POD_NAMESPACE from the downward API (fieldRef metadata.namespace)');
  }
}

function configFileFrom(args: string[], env: NodeJS.ProcessEnv): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--config') return args[i + 1];
    if (args[i].startsWith('--config=')) return args[i].slice('--config='.length);
  }
  return env.IAE_CONFIG_FILE || undefined;
}

/** Switches (on/off, or the Go exporter's switches that also take hosts) may stand alone. */
function flagKind(name: string): FlagKind | undefined {
  if (name === 'help') return 'switch';
  if (name === 'config') return 'value';
  const entry = Object.values(schema).find((candidate) => candidate.arg === name);
  if (!entry) return undefined;
  return entry.format === 'switch' || entry.format === 'registry-hosts-or-all' ? 'switch' : 'value';
}

function knownName(name: string): boolean {
  return name === 'config' || name === 'help' || Object.values(schema).some((entry) => entry.arg === name);
}

/** A setting's minimum as a user writes it: "1s" for durations, "1" for counts. */
export function minimumText(entry: { format: unknown; minimum: number }): string {
  return entry.format === 'go-duration' ? formatDuration(entry.minimum) : String(entry.minimum);
}

/** Convict's "key: problem: value was X" lines, each with the flag, variable or file key that gave the value as written. */
function withSources(message: string, args: string[], env: NodeJS.ProcessEnv, file: { path: string; values: Record<string, unknown> } | undefined): string {
  return message
    .split('; ')
    .map((line) => {
      const key = /^(\w+): /.exec(line)?.[1];
      const entry = key ? (schema as Record<string, { arg: string; env: string } | undefined>)[key] : undefined;
      if (!key || !entry) return line;
      return line.replace(/: value was .*$/s, '') + describeSource(settingSource(key, entry, args, env, file));
    })
    .join('; ');
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').filter(Boolean).join('; ');
}

/** --help text, generated from the schema so it cannot drift from it. */
export function helpText(): string {
  const lines = [
    'Usage: k8s-image-availability-exporter [flags]',
    '       k8s-image-availability-exporter --config settings.yaml',
    '       k8s-image-availability-exporter check -f manifests.yaml   (see check --help)',
    '',
    'Every flag is also an environment variable and a config file key.',
    '',
  ];
  for (const [key, entry] of Object.entries(schema)) {
    const fallback = Array.isArray(entry.default) ? entry.default.join(',') : String(entry.default);
    const least = 'minimum' in entry ? `, at least ${minimumText(entry)}` : '';
    lines.push(`  --${entry.arg}  (env ${entry.env}, key ${key}, default "${fallback}"${least})`);
    lines.push(`      ${entry.doc}`);
  }
  lines.push('  --config  (env IAE_CONFIG_FILE)', '      JSON or YAML file of settings keyed as above.');
  return lines.join('\n');
}
