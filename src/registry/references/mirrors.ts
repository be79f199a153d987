// --image-mirror original=mirror: check the mirror instead of the original, as a cluster whose
// runtime pulls through a mirror would. The longest matching prefix wins; prefixes match whole
// path components ("docker.io/library" matches docker.io/library/nginx, not docker.io/libraryx).
import { DOCKER_HUB, normalizedName, type ImageReference } from './reference.js';

type Mirror = { from: string; to: string };

export class MirrorError extends Error {}

export class Mirrors {
  private readonly mirrors: Mirror[];

  constructor(specs: string[]) {
    this.mirrors = specs
      .map((spec) => {
        const [from, to, extra] = spec.split('=');
        if (!from || !to || extra !== undefined) throw new MirrorError(`image mirror "${spec}" is not original=mirror`);
        return { from: normalizePrefix(from), to: to.replace(/\/+$/, '') };
      })
      .sort((a, b) => b.from.length - a.from.length);
  }

  /** The reference to check: the original, or its mirror. */
  apply(reference: ImageReference): ImageReference {
    const name = `${reference.registry}/${reference.repository}`;
    const mirror = this.mirrors.find((m) => name === m.from || name.startsWith(`${m.from}/`));
    if (!mirror) return reference;
    const mirrored = `${mirror.to}${name.slice(mirror.from.length)}`;
    const slash = mirrored.indexOf('/');
    const registry = mirrored.slice(0, slash);
    const repository = mirrored.slice(slash + 1);
    return { ...reference, registry, repository, normalized: normalizedName(registry, repository, reference.tag, reference.digest) };
  }
}

function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  return trimmed === 'index.docker.io' ? DOCKER_HUB : trimmed.replace(/^index\.docker\.io\//, `${DOCKER_HUB}/`);
}
