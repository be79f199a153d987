// Image as written → the reference the runtime would pull (default registry applied) and the
// reference to check (after mirrors). Filters look at the former, the registry at the latter.
import { Mirrors } from '../registry/references/mirrors.js';
import { DOCKER_HUB, parseReference, type ImageReference } from '../registry/references/reference.js';

export type ResolvedImage = { pulled: ImageReference; checked: ImageReference };

export class ImageResolver {
  private readonly mirrors: Mirrors;

  constructor(
    private readonly defaultRegistry: string = DOCKER_HUB,
    mirrorSpecs: string[] = [],
  ) {
    this.mirrors = new Mirrors(mirrorSpecs);
  }

  /** Throws ReferenceError for a reference that cannot be parsed. */
  resolve(image: string): ResolvedImage {
    const pulled = parseReference(image, this.defaultRegistry);
    return { pulled, checked: this.mirrors.apply(pulled) };
  }

  parse(image: string): ImageReference {
    return parseReference(image, this.defaultRegistry);
  }
}
