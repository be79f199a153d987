// One run of a kubelet credential provider plugin, by the exec protocol
// credentialprovider.kubelet.k8s.io: a CredentialProviderRequest with the image on stdin, a
// CredentialProviderResponse on stdout. The environment is the exporter's plus the config's env
// (later entries win, as the kubelet appends them). The answer is checked as strictly as the
// kubelet's decoder does; what is wrong is named, never what the plugin printed, which may hold
// a password.
import { parseGoDuration } from '../../../settings/duration.js';
import { printable } from '../../../bounds/printable.js';
import { ExecError, runBounded } from '../bounded-exec.js';
import type { PluginProviderConfig } from './plugin-config.js';

export type CacheKeyType = 'Image' | 'Registry' | 'Global';

export type PluginResponse = {
  cacheKeyType: CacheKeyType;
  /** Undefined: the provider's defaultCacheDuration applies. */
  cacheDurationMs?: number;
  /** Auth key (a matchImages-style pattern) → credential. */
  auth: Array<{ key: string; username: string; password: string }>;
};

export type PluginLimits = { timeoutMs: number; maxStdoutBytes: number };

export class PluginError extends Error {}

const RESPONSE_KEYS = new Set(['kind', 'apiVersion', 'cacheKeyType', 'cacheDuration', 'auth']);
const AUTH_KEYS = new Set(['username', 'password']);
const MAX_AUTH_ENTRIES = 1000;

export async function execPlugin(provider: PluginProviderConfig, image: string, limits: PluginLimits, environment: NodeJS.ProcessEnv): Promise<PluginResponse> {
  const request = `${JSON.stringify({ kind: 'CredentialProviderRequest', apiVersion: provider.apiVersion, image })}\n`;
  const env = { ...environment, ...Object.fromEntries(provider.env.map(({ name, value }) => [name, value])) };
  let stdout: string;
  try {
    ({ stdout } = await runBounded(provider.executable, provider.args, request, env, limits));
  } catch (error) {
    if (error instanceof ExecError) throw new PluginError(`credential provider plugin ${provider.name} ${error.message}`);
    throw error;
  }
  return parseResponse(stdout, provider);
}

/** The plugin's stdout → its response; PluginError naming the plugin and what is wrong otherwise. */
export function parseResponse(stdout: string, provider: Pick<PluginProviderConfig, 'name' | 'apiVersion'>): PluginResponse {
  const fail = (what: string): never => {
    throw new PluginError(`credential provider plugin ${provider.name} answered ${what}`);
  };
  let document: unknown;
  try {
    document = JSON.parse(stdout);
  } catch {
    return fail(stdout.trim() === '' ? 'nothing on stdout' : 'with something that is not JSON on stdout');
  }
  if (!isObject(document)) return fail('with JSON that is not an object');
  if (document.apiVersion !== provider.apiVersion) fail(`apiVersion ${shown(document.apiVersion)}, not the ${provider.apiVersion} it was asked in`);
  if (document.kind !== 'CredentialProviderResponse') fail(`kind ${shown(document.kind)}, not CredentialProviderResponse`);
  const extra = Object.keys(document).find((key) => !RESPONSE_KEYS.has(key));
  if (extra !== undefined) fail(`with an unknown field ${shown(extra)}`);
  const cacheKeyType = document.cacheKeyType;
  if (cacheKeyType !== 'Image' && cacheKeyType !== 'Registry' && cacheKeyType !== 'Global') return fail(`cacheKeyType ${shown(cacheKeyType)}, not Image, Registry or Global`);
  let cacheDurationMs: number | undefined;
  if (document.cacheDuration !== undefined && document.cacheDuration !== null) {
    try {
      cacheDurationMs = parseGoDuration(String(document.cacheDuration));
    } catch {
      fail(`cacheDuration ${shown(document.cacheDuration)}, not a duration such as 6h`);
    }
  }
  const authMap = document.auth ?? {};
  if (!isObject(authMap)) return fail('with "auth" that is not an object');
  const entries = Object.entries(authMap);
  if (entries.length > MAX_AUTH_ENTRIES) fail(`with more than ${MAX_AUTH_ENTRIES} auth entries`);
  const auth = entries.map(([key, value]) => {
    if (!isObject(value)) return fail(`with auth entry ${shown(key)} that is not an object`);
    const unknown = Object.keys(value).find((field) => !AUTH_KEYS.has(field));
    if (unknown !== undefined) fail(`with an unknown field ${shown(unknown)} in auth entry ${shown(key)}`);
    if ((value.username !== undefined && typeof value.username !== 'string') || (value.password !== undefined && typeof value.password !== 'string')) {
      fail(`with auth entry ${shown(key)} whose username or password is not a string`);
    }
    return { key, username: (value.username as string | undefined) ?? '', password: (value.password as string | undefined) ?? '' };
  });
  return { cacheKeyType, cacheDurationMs, auth };
}

/** A plugin's field value as JSON, short and printable in messages. */
function shown(value: unknown): string {
  return printable(JSON.stringify(value) ?? 'nothing', 60);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
