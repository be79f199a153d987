// Pull-secret contents → credentials for an image, decided as the kubelet decides them
// (pkg/credentialprovider: DockerConfigEntry decoding, BasicDockerKeyring.Add/Lookup): a key is
// parsed as a URL (https:// added unless it starts with http:// or https://, "/v1/" and "/v2/"
// dropped), matched per host label with globs, with an exact port and a plain string path prefix,
// letter case significant; the most specific key is tried first. Docker Hub images fall back to
// keys naming index.docker.io when no key matches them.
import { globMatches, parseGoUrl, splitHostPort, toBytes } from './go-url.js';
import { printable } from '../../bounds/printable.js';

export type Credential = {
  /** Empty: the runtime pulls anonymously with this entry (containerd reads an empty username so). */
  username: string;
  password: string;
  /** Where it came from, e.g. "secret team/regcred": safe to log, names no secret value. */
  source: string;
};

/** One docker config entry under the key the kubelet files it under. */
export type KeyringEntry = { key: string; credential: Credential };

export class SecretFormatError extends Error {}

const DOCKER_CONFIG_JSON = 'kubernetes.io/dockerconfigjson';
const DOCKER_CFG = 'kubernetes.io/dockercfg';
/** The key "https://index.docker.io/v1/" (and "index.docker.io") is filed under. */
const DOCKER_HUB_FALLBACK_KEY = 'index.docker.io';

/**
 * Why the kubelet would not use this secret at all, or undefined when it reads it: only
 * dockerconfigjson and dockercfg secrets with their data key set count, anything else is skipped.
 */
export function ignoredSecretReason(type: string | undefined, data: Record<string, string> | undefined): string | undefined {
  if (type === DOCKER_CONFIG_JSON) return data?.['.dockerconfigjson'] ? undefined : 'its .dockerconfigjson is empty or missing';
  if (type === DOCKER_CFG) return data?.['.dockercfg'] ? undefined : 'its .dockercfg is empty or missing';
  return `its type is ${printable(type ?? '(none)', 80)}, not ${DOCKER_CONFIG_JSON} or ${DOCKER_CFG}`;
}

/**
 * Entries of one pull secret (`data` holds the Secret's base64 values). A secret the kubelet skips
 * gives none; one it cannot parse throws SecretFormatError naming what is wrong, never the content.
 */
export function credentialsFromSecret(type: string | undefined, data: Record<string, string> | undefined, source: string): KeyringEntry[] {
  if (ignoredSecretReason(type, data) !== undefined) return [];
  if (type === DOCKER_CONFIG_JSON) {
    const config = parseJson(decodeSecretValue(data!['.dockerconfigjson'], '.dockerconfigjson'), '.dockerconfigjson');
    if (config === null) return [];
    if (!isObject(config)) throw new SecretFormatError('.dockerconfigjson is not a JSON object');
    return entriesOf(field(config, 'auths'), '"auths" of .dockerconfigjson', source);
  }
  return entriesOf(parseJson(decodeSecretValue(data!['.dockercfg'], '.dockercfg'), '.dockercfg'), '.dockercfg', source);
}

/**
 * The credentials to try for an image repository (registry/path, no tag), in the kubelet's order:
 * keys in reverse byte order (more specific first), entries of one key in the order they came;
 * when no key matches a Docker Hub image, those filed under index.docker.io. Identical credentials
 * are tried once (a second try cannot answer differently). Empty list: pull anonymously.
 */
export function matchCredentials(entries: KeyringEntry[], repository: string): Credential[] {
  // Grouped by key first: a secret may hold thousands of entries, so no key × entry scan.
  const byKey = new Map<string, KeyringEntry[]>();
  for (const entry of entries) {
    const group = byKey.get(entry.key);
    if (group) group.push(entry);
    else byKey.set(entry.key, [entry]);
  }
  const keys = [...byKey.keys()].sort(reverseByteOrder);
  const serves = keyMatcher(repository);
  let matched = keys.filter(serves).flatMap((key) => byKey.get(key)!);
  if (matched.length === 0 && isDockerHubImage(repository)) matched = byKey.get(DOCKER_HUB_FALLBACK_KEY) ?? [];
  const seen = new Set<string>();
  const credentials: Credential[] = [];
  for (const { credential } of matched) {
    const identity = credential.username === '' ? '' : `${credential.username}\u0000${credential.password}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    credentials.push(credential);
  }
  return credentials;
}

/**
 * The key the kubelet files a docker config location under, as a byte string (see toBytes);
 * undefined when it would skip the entry.
 */
export function keyringKey(location: string): string | undefined {
  const withScheme = location.startsWith('https://') || location.startsWith('http://') ? location : `https://${location}`;
  const parsed = parseGoUrl(toBytes(withScheme));
  if (!parsed) return undefined;
  let path = parsed.path;
  if (path.startsWith('/v2/') || path.startsWith('/v1/')) path = path.slice(3);
  return path !== '' && path !== '/' ? parsed.host + path : parsed.host;
}

/** Whether a key serves an image: same port, same number of host labels each matching its glob, key path a prefix. */
export function keyMatches(key: string, image: string): boolean {
  return keyMatcher(image)(key);
}

function keyMatcher(image: string): (key: string) => boolean {
  const target = parseGoUrl(`https://${toBytes(image)}`);
  if (!target) return () => false;
  const [targetHost, targetPort] = hostAndPort(target.host);
  const targetLabels = targetHost.split('.');
  return (key) => {
    const glob = parseGoUrl(`https://${key}`);
    if (!glob) return false;
    const [globHost, globPort] = hostAndPort(glob.host);
    const globLabels = globHost.split('.');
    if (globPort !== targetPort || globLabels.length !== targetLabels.length) return false;
    if (!target.path.startsWith(glob.path)) return false;
    return globLabels.every((label, i) => globMatches(label, targetLabels[i]));
  };
}

/** The kubelet's test for "this image is pulled from Docker Hub" (isDefaultRegistryMatch; it says yes to localhost/x too). */
export function isDockerHubImage(image: string): boolean {
  const slash = image.indexOf('/');
  const first = slash === -1 ? image : image.slice(0, slash);
  if (first === '') return false;
  if (slash === -1) return true;
  if (first === 'docker.io' || first === 'index.docker.io') return true;
  return !/[.:]/.test(first);
}

function hostAndPort(host: string): [string, string] {
  const split = splitHostPort(host);
  return split ? [split.host, split.port] : [host, ''];
}

function entriesOf(auths: unknown, what: string, source: string): KeyringEntry[] {
  if (auths === undefined || auths === null) return [];
  if (!isObject(auths)) throw new SecretFormatError(`${what} is not a JSON object`);
  const entries: KeyringEntry[] = [];
  for (const [location, entry] of Object.entries(auths)) {
    const { username, password } = entryCredential(entry, location);
    const key = keyringKey(location);
    // The kubelet logs such an entry and goes on without it; so do we, silently (its name may be junk).
    if (key !== undefined) entries.push({ key, credential: { username, password, source } });
  }
  return entries;
}

/** A DockerConfigEntry as Go's JSON decoding reads it: string fields only, `auth` wins over username/password. */
function entryCredential(entry: unknown, location: string): { username: string; password: string } {
  if (entry === null) return { username: '', password: '' };
  // A location could carry user info ("user:password@host"): never repeat it.
  const where = `the entry for "${printable(location.replace(/^((?:https?:\/\/)?)[^/]*@/, '$1...@'), 80)}"`;
  if (!isObject(entry)) throw new SecretFormatError(`${where} is not a JSON object`);
  const strings: Record<string, string> = {};
  for (const name of ['username', 'password', 'email', 'auth']) {
    const value = field(entry, name);
    if (value !== undefined && value !== null && typeof value !== 'string') throw new SecretFormatError(`"${name}" of ${where} is not a string`);
    strings[name] = value ?? '';
  }
  if (strings.auth === '') return { username: strings.username, password: strings.password };
  const decoded = decodeAuthField(strings.auth);
  if (decoded === undefined) throw new SecretFormatError(`"auth" of ${where} is not base64 (padded or unpadded, no spaces)`);
  const colon = decoded.indexOf(':');
  if (colon === -1) throw new SecretFormatError(`"auth" of ${where} does not decode to username:password`);
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Go's base64: padded (StdEncoding) when the value ends with "=", unpadded (RawStdEncoding)
 * otherwise; line breaks are skipped, any other stray character (a space) is refused.
 */
function decodeAuthField(value: string): string | undefined {
  const padded = value.trim().endsWith('=');
  const compact = value.replace(/[\r\n]/g, '');
  const valid = padded ? /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$/ : /^[A-Za-z0-9+/]*$/;
  if (!valid.test(compact) || (!padded && compact.length % 4 === 1)) return undefined;
  return Buffer.from(compact, 'base64').toString('utf8');
}

/** A Secret's data value as the API server sends it: standard base64. */
function decodeSecretValue(value: string, field: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) throw new SecretFormatError(`${field} is not valid base64`);
  return Buffer.from(value, 'base64').toString('utf8');
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SecretFormatError(`${what} is not valid JSON`);
  }
}

/** Go's encoding/json matches field names exactly first, then ignoring letter case. */
function field(object: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(object, name)) return object[name];
  const key = Object.keys(object).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : object[key];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Keys are byte strings, so comparing characters compares bytes, as Go's sort does. */
function reverseByteOrder(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}
