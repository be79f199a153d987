// --ignored-images: which images not to check at all. A pattern matches the image as written, its
// normalised form, or its repository (normalised, without tag or digest); `*` matches any run of
// characters and everything else is literal, so "docker.io/library/nginx" ignores every nginx tag
// and "registry.internal/*" a whole registry.
import { repositoryName, type ImageReference } from '../registry/reference.js';

export class ImageFilter {
  private readonly patterns: RegExp[];

  constructor(patterns: string[]) {
    this.patterns = patterns.map(
      (pattern) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`),
    );
  }

  ignores(image: string, reference?: ImageReference): boolean {
    if (this.patterns.length === 0) return false;
    const forms = reference ? [image, reference.normalized, repositoryName(reference)] : [image];
    return this.patterns.some((pattern) => forms.some((form) => pattern.test(form)));
  }
}
