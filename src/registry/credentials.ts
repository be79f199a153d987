// Pull-secret contents → credentials for an image, following the kubelet's keyring rules
// (pkg/credentialprovider): keys may carry a scheme, a path prefix and `*` globs per host label;
// ports must match exactly; the more specific key is tried first; docker.io's historical keys
// (index.docker.io/v1/, registry-1.docker.io) all mean docker.io.

export type Credential = {
  username: string;
  password: string;
  /** Where it came from, e.g. "secret team/regcred": safe to log, names no secret value. */
  source: string;
};

type KeyringEntry = { key: string; credential: Credential };

export class SecretFormatError extends Error {}

const DOCKER_HUB_KEYS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/**
 * Entries of one pull secret. `type` is the Secret's type; `data` its base64 values.
 * A malformed secret throws SecretFormatError naming what is wrong, never the content.
 */
export function credentialsFromSecret(
  type: string | undefined,
  data: Record<string, string> | undefined,
  source: string,
): KeyringEntry[] {
  let auths: unknown;
  if (type === 'kubernetes.io/dockerconfigjson') {
    const config = parseJson(decodeField(data, '.dockerconfigjson'), '.dockerconfigjson');
    auths = (config as { auths?: unknown }).auths;
  } else if (type === 'kubernetes.io/dockercfg') {
    auths = parseJson(decodeField(data, '.dockercfg'), '.dockercfg');
  } else {
    throw new SecretFormatError(`type ${type ?? '(none)'} is not kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg`);
  }
  if (auths === undefined || auths === null) return [];
  if (typeof auths !== 'object' || Array.isArray(auths)) throw new SecretFormatError('"auths" is not an object');

  return Object.entries(auths as Record<string, unknown>).map(([location, entry]) => ({
    key: keyringKey(location),
    credential: { ...entryCredential(entry, location), source },
  }));
}

/**
 * The credentials to try for an image repository (registry/path, no tag), most specific first,
 * in the order of `entries` among equals. An empty list means: pull anonymously.
 */
export function matchCredentials(entries: KeyringEntry[], repository: string): Credential[] {
  const target = splitLocation(repository);
  const sorted = [...entries].sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
  const seen = new Set<string>();
  const matched: Credential[] = [];
  for (const entry of sorted) {
    if (!locationMatches(splitLocation(entry.key), target)) continue;
    const identity = `${entry.credential.username}\u0000${entry.credential.password}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    matched.push(entry.credential);
  }
  return matched;
}

export type { KeyringEntry };

function keyringKey(location: string): string {
  let rest = location.trim().replace(/^https?:\/\//i, '');
  const slash = rest.indexOf('/');
  let host = (slash === -1 ? rest : rest.slice(0, slash)).toLowerCase();
  let path = slash === -1 ? '' : rest.slice(slash);
  // The kubelet drops an API version prefix: "https://index.docker.io/v1/" names the host.
  if (/^\/v[12](\/|$)/.test(path)) path = path.slice(3);
  path = path.replace(/\/+$/, '');
  if (DOCKER_HUB_KEYS.has(host)) host = 'docker.io';
  rest = host + path;
  return rest;
}

type Location = { hostLabels: string[]; port: string; path: string };

function splitLocation(location: string): Location {
  const slash = location.indexOf('/');
  const hostPort = slash === -1 ? location : location.slice(0, slash);
  const path = slash === -1 ? '' : location.slice(slash);
  const colon = hostPort.lastIndexOf(':');
  const host = colon === -1 ? hostPort : hostPort.slice(0, colon);
  const port = colon === -1 ? '' : hostPort.slice(colon + 1);
  return { hostLabels: host.split('.'), port, path };
}

function locationMatches(key: Location, target: Location): boolean {
  if (key.port !== target.port) return false;
  if (key.hostLabels.length !== target.hostLabels.length) return false;
  for (let i = 0; i < key.hostLabels.length; i++) {
    if (!globMatches(key.hostLabels[i], target.hostLabels[i])) return false;
  }
  if (key.path === '') return true;
  return target.path === key.path || target.path.startsWith(`${key.path}/`);
}

/** One host label against a glob where `*` stands for any run of characters (kubelet uses filepath.Match). */
function globMatches(pattern: string, label: string): boolean {
  if (!pattern.includes('*')) return pattern === label;
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('[^.]*')}$`);
  return regex.test(label);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function entryCredential(entry: unknown, location: string): { username: string; password: string } {
  if (entry === null || typeof entry !== 'object') throw new SecretFormatError(`entry for ${safe(location)} is not an object`);
  const fields = entry as Record<string, unknown>;
  if (typeof fields.auth === 'string' && fields.auth !== '') {
    const decoded = decodeBase64(fields.auth, `auth of ${safe(location)}`);
    const colon = decoded.indexOf(':');
    if (colon === -1) throw new SecretFormatError(`auth of ${safe(location)} is not "username:password"`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof fields.username === 'string' || typeof fields.password === 'string') {
    return { username: String(fields.username ?? ''), password: String(fields.password ?? '') };
  }
  throw new SecretFormatError(`entry for ${safe(location)} has neither auth nor username/password`);
}

function decodeField(data: Record<string, string> | undefined, field: string): string {
  const value = data?.[field];
  if (typeof value !== 'string') throw new SecretFormatError(`data has no ${field}`);
  return decodeBase64(value, field);
}

function decodeBase64(value: string, what: string): string {
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw new SecretFormatError(`${what} is not valid base64`);
  }
  return Buffer.from(compact, 'base64').toString('utf8');
}

function parseJson(text: string, what: string): unknown {
  try {
    const value = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new Error('not an object');
    }
    return value;
  } catch {
    throw new SecretFormatError(`${what} is not a JSON object`);
  }
}

/** Registry keys are not secret, but they are user input: keep them short and printable in messages. */
function safe(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 80 ? `${printable.slice(0, 77)}...` : printable;
}
