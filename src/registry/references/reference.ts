// Image references parsed and normalised the way the container runtime does (distribution's
// reference grammar and docker's normalisation), so the exporter asks the registry for exactly
// what the kubelet would pull.

export const DOCKER_HUB = 'docker.io';
/** Where docker.io's API actually lives. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

export type ImageReference = {
  /** The reference as written in the workload. */
  original: string;
  /** Registry host as named in the reference (docker.io for unqualified names). */
  registry: string;
  /** Repository path inside the registry, e.g. library/nginx. */
  repository: string;
  tag?: string;
  digest?: string;
  /** Canonical form: registry/repository[:tag][@digest], with :latest added when neither is given. */
  normalized: string;
};

export class ReferenceError extends Error {}

const MAX_NAME_LENGTH = 255;
const MAX_REFERENCE_LENGTH = 4096;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::([0-9]+))?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const HEX_DIGEST_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const BARE_IMAGE_ID = /^[a-f0-9]{64}$/;

/**
 * Parses and normalises an image reference; throws ReferenceError with the reason when it cannot.
 * `defaultRegistry` serves names without a host; only docker.io adds the implicit "library/".
 */
export function parseReference(original: string, defaultRegistry: string = DOCKER_HUB): ImageReference {
  if (typeof original !== 'string' || original.trim() === '') throw new ReferenceError('empty image reference');
  if (original.length > MAX_REFERENCE_LENGTH) throw new ReferenceError('image reference is too long');
  if (original !== original.trim()) throw new ReferenceError('image reference has leading or trailing white space');
  if (BARE_IMAGE_ID.test(original)) {
    throw new ReferenceError('a 64-character hexadecimal string is an image ID, not a repository name');
  }

  let rest = original;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    validateDigest(digest);
  }

  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw new ReferenceError(`invalid tag "${truncate(tag)}"`);
  }

  const { registry, repository } = splitName(rest, defaultRegistry);
  // distribution/reference limits the path (after "library/" is added), not host plus path.
  if (repository.length > MAX_NAME_LENGTH) throw new ReferenceError(`repository path is longer than ${MAX_NAME_LENGTH} characters`);
  if (!tag && !digest) tag = 'latest';
  return { original, registry, repository, tag, digest, normalized: normalizedName(registry, repository, tag, digest) };
}

/**
 * `registry/repository[:tag][@digest]`, joined into one flat string: every resolved image keeps
 * it, and a concatenation would stay a chain of cons strings (image-index.ts workloadKey).
 */
export function normalizedName(registry: string, repository: string, tag: string | undefined, digest: string | undefined): string {
  return [registry, '/', repository, tag ? ':' : '', tag ?? '', digest ? '@' : '', digest ?? ''].join('');
}

/** The manifest reference the runtime pulls: the digest wins over the tag when both are given. */
export function manifestReference(reference: ImageReference): string {
  return reference.digest ?? reference.tag ?? 'latest';
}

/** Repository name without tag or digest, as credential matching and patterns see it. */
export function repositoryName(reference: ImageReference): string {
  return `${reference.registry}/${reference.repository}`;
}

function splitName(name: string, defaultRegistry: string): { registry: string; repository: string } {
  if (name === '') throw new ReferenceError('missing repository name');
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  // Docker's rule: the first component is a host when it looks like one (dot, port or localhost),
  // or when it has upper-case letters, which repository paths never do.
  const isHost = slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  let registry = isHost ? first : defaultRegistry;
  let repository = isHost ? name.slice(slash + 1) : name;

  if (isHost) {
    const domain = DOMAIN.exec(registry);
    if (!domain) throw new ReferenceError(`invalid registry host "${truncate(registry)}"`);
    const port = domain[1];
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
      throw new ReferenceError(`registry port ${truncate(port)} is out of range`);
    }
  }
  // Exactly this spelling: "INDEX.DOCKER.IO" is another host to the runtime.
  if (registry === 'index.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;

  if (repository !== repository.toLowerCase()) throw new ReferenceError('repository name must be lowercase');
  for (const component of repository.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      throw new ReferenceError(
        component === '' ? 'repository name has an empty path component' : `invalid repository path component "${truncate(component)}"`,
      );
    }
  }
  return { registry, repository };
}

function validateDigest(digest: string): void {
  if (!DIGEST.test(digest)) throw new ReferenceError(`invalid digest "${truncate(digest)}"`);
  const [algorithm, hex] = digest.split(':');
  const expected = HEX_DIGEST_LENGTH[algorithm];
  if (expected === undefined) throw new ReferenceError(`unsupported digest algorithm "${truncate(algorithm)}"`);
  if (hex.length !== expected || hex !== hex.toLowerCase()) {
    throw new ReferenceError(`${algorithm} digest must be ${expected} lower-case hexadecimal characters`);
  }
}

/** Keeps hostile input out of log lines at a readable size. */
function truncate(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 64 ? `${printable.slice(0, 61)}...` : printable;
}
