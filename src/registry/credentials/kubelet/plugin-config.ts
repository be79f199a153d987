// The kubelet's CredentialProviderConfig (--image-credential-provider-config), read and validated
// by the kubelet's rules (pkg/credentialprovider/plugin/config.go): a file, or a directory whose
// *.json, *.yaml and *.yml files are read in name order and merged; kubelet.config.k8s.io v1,
// v1beta1 or v1alpha1; unknown fields refused, as the kubelet's strict decoder does. A config the
// kubelet would refuse stops the exporter at start with one line naming the file and field.
import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseGoDuration } from '../../../settings/duration.js';

export const CONFIG_API_VERSIONS = ['kubelet.config.k8s.io/v1', 'kubelet.config.k8s.io/v1beta1', 'kubelet.config.k8s.io/v1alpha1'];
export const PLUGIN_API_VERSIONS = ['credentialprovider.kubelet.k8s.io/v1', 'credentialprovider.kubelet.k8s.io/v1beta1', 'credentialprovider.kubelet.k8s.io/v1alpha1'];

export type PluginProviderConfig = {
  name: string;
  matchImages: string[];
  defaultCacheDurationMs: number;
  apiVersion: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
  /** Path of the executable: the bin dir joined with the name, as the kubelet runs it. */
  executable: string;
  /** Service-account-token mode (tokenAttributes): the kubelet asks a token per pod; the exporter cannot. */
  usesServiceAccountToken: boolean;
};

export class PluginConfigError extends Error {}

const MAX_CONFIG_BYTES = 1024 * 1024;
const CONFIG_KEYS = new Set(['kind', 'apiVersion', 'providers']);
const PROVIDER_KEYS = new Set(['name', 'matchImages', 'defaultCacheDuration', 'apiVersion', 'args', 'env', 'tokenAttributes']);

/** Reads the config file or directory and checks every provider's executable in binDir. */
export function loadPluginConfig(configPath: string, binDir: string): PluginProviderConfig[] {
  if (!binDir) throw new PluginConfigError('imageCredentialProviderBinDir must be set with imageCredentialProviderConfig');
  try {
    statSync(binDir);
  } catch (error) {
    throw new PluginConfigError(`plugin binary directory ${binDir} ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as NodeJS.ErrnoException).code})`}`);
  }
  const providers: PluginProviderConfig[] = [];
  const seen = new Set<string>();
  for (const file of configFiles(configPath)) {
    for (const provider of parsePluginConfig(readConfig(file), file, binDir)) {
      if (seen.has(provider.name)) throw new PluginConfigError(`${file}: duplicate provider name "${provider.name}" across the configuration files`);
      seen.add(provider.name);
      providers.push(provider);
    }
  }
  for (const provider of providers) {
    try {
      accessSync(provider.executable, constants.X_OK);
    } catch {
      throw new PluginConfigError(`plugin binary executable ${provider.executable} of provider "${provider.name}" does not exist or is not executable: mount the kubelet's plugin directory`);
    }
  }
  return providers;
}

/** The providers of one decoded config document; throws PluginConfigError naming the field. */
export function parsePluginConfig(document: unknown, source: string, binDir: string): PluginProviderConfig[] {
  const fail = (message: string): never => {
    throw new PluginConfigError(`${source}: ${message}`);
  };
  if (!isObject(document)) return fail('not a CredentialProviderConfig object');
  if (document.kind !== 'CredentialProviderConfig') fail(`kind is ${JSON.stringify(document.kind)}, not "CredentialProviderConfig"`);
  if (!CONFIG_API_VERSIONS.includes(document.apiVersion as string)) fail(`apiVersion ${JSON.stringify(document.apiVersion)} is not one of ${CONFIG_API_VERSIONS.join(', ')}`);
  unknownKey(document, CONFIG_KEYS, '', fail);
  const list = document.providers;
  if (!Array.isArray(list) || list.length === 0) return fail('providers: at least 1 item is required');
  const names = new Set<string>();
  return list.map((entry, index) => {
    const at = `providers[${index}]`;
    if (!isObject(entry)) return fail(`${at} is not an object`);
    unknownKey(entry, PROVIDER_KEYS, `${at}.`, fail);
    const name = entry.name;
    if (typeof name !== 'string' || name === '') return fail(`${at}.name is required`);
    if (name.includes('/') || name.includes(' ') || name === '.' || name === '..') fail(`${at}.name "${name}" cannot contain '/' or spaces, nor be '.' or '..'`);
    if (names.has(name)) fail(`${at}.name "${name}" is duplicated`);
    names.add(name);
    if (!PLUGIN_API_VERSIONS.includes(entry.apiVersion as string)) fail(`${at}.apiVersion ${JSON.stringify(entry.apiVersion)} is not one of ${PLUGIN_API_VERSIONS.join(', ')}`);
    const matchImages = entry.matchImages;
    if (!Array.isArray(matchImages) || matchImages.length === 0) return fail(`${at}.matchImages: at least 1 item is required`);
    for (const pattern of matchImages) {
      if (typeof pattern !== 'string' || !validMatchImage(pattern)) fail(`${at}.matchImages: ${JSON.stringify(pattern)} is not a valid image pattern`);
    }
    if (entry.defaultCacheDuration === undefined || entry.defaultCacheDuration === null) fail(`${at}.defaultCacheDuration is required`);
    let defaultCacheDurationMs = Number.NaN;
    try {
      defaultCacheDurationMs = parseGoDuration(String(entry.defaultCacheDuration));
    } catch {
      fail(`${at}.defaultCacheDuration ${JSON.stringify(entry.defaultCacheDuration)} is not a duration such as 12h or 0s`);
    }
    const args = entry.args ?? [];
    if (!Array.isArray(args) || args.some((arg) => typeof arg !== 'string')) fail(`${at}.args must be a list of strings`);
    const env = entry.env ?? [];
    if (!Array.isArray(env) || env.some((item) => !isObject(item) || typeof item.name !== 'string' || item.name === '' || typeof item.value !== 'string')) {
      fail(`${at}.env must be a list of {name, value} strings`);
    }
    return {
      name,
      matchImages: matchImages as string[],
      defaultCacheDurationMs,
      apiVersion: entry.apiVersion as string,
      args: args as string[],
      env: (env as Array<{ name: string; value: string }>).map(({ name: key, value }) => ({ name: key, value })),
      executable: join(binDir, name),
      usesServiceAccountToken: entry.tokenAttributes !== undefined && entry.tokenAttributes !== null,
    };
  });
}

function configFiles(configPath: string): string[] {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(configPath).isDirectory();
  } catch (error) {
    throw new PluginConfigError(`credential provider config ${configPath} cannot be read (${(error as NodeJS.ErrnoException).code}): mount the kubelet's config file`);
  }
  if (!isDirectory) return [configPath];
  const files = readdirSync(configPath, { withFileTypes: true })
    .filter((entry) => !entry.isDirectory() && ['.json', '.yaml', '.yml'].includes(extname(entry.name)))
    .map((entry) => join(configPath, entry.name))
    .sort();
  if (files.length === 0) throw new PluginConfigError(`no *.json, *.yaml or *.yml configuration files in directory ${configPath}`);
  return files;
}

function readConfig(file: string): unknown {
  let text: string;
  try {
    if (statSync(file).size > MAX_CONFIG_BYTES) throw new PluginConfigError(`${file}: larger than ${MAX_CONFIG_BYTES} bytes`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof PluginConfigError) throw error;
    throw new PluginConfigError(`${file} cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  try {
    // YAML 1.2 reads JSON too, as the kubelet's decoder does whatever the file's extension.
    return parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    throw new PluginConfigError(`${file}: not valid JSON or YAML (${(error as Error).message.split('\n')[0]})`);
  }
}

/** A pattern the kubelet can parse as a schemeless URL: host (globs allowed), optional port and path. */
function validMatchImage(pattern: string): boolean {
  if (pattern === '' || /[\s\\]/.test(pattern)) return false;
  try {
    new URL(`https://${pattern.replace(/\*/g, 'x')}`);
    return true;
  } catch {
    return false;
  }
}

function unknownKey(object: Record<string, unknown>, known: Set<string>, prefix: string, fail: (message: string) => never): void {
  const extra = Object.keys(object).find((key) => !known.has(key));
  if (extra !== undefined) fail(`unknown field "${prefix}${extra}"`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
