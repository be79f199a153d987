// --ignored-images: which images not to check at all. A pattern without `*` is an image
// reference and is normalised like one: "nginx" ignores every tag of docker.io/library/nginx,
// "nginx:1.25" that tag only, however the workload spells it. A pattern with `*` is matched
// against the image as written, its normalised form and its repository; `*` matches any run of
// characters, all else is literal ("registry.internal/*" ignores a whole registry).
import { parseReference, repositoryName, type ImageReference } from '../registry/reference.js';

type Matcher = (image: string, reference: ImageReference | undefined) => boolean;

export class ImageFilter {
  private readonly matchers: Matcher[];

  constructor(patterns: string[]) {
    this.matchers = patterns.map(matcherFor);
  }

  ignores(image: string, reference?: ImageReference): boolean {
    return this.matchers.some((matches) => matches(image, reference));
  }
}

function matcherFor(pattern: string): Matcher {
  if (!pattern.includes('*')) {
    let parsed: ImageReference | undefined;
    try {
      parsed = parseReference(pattern);
    } catch {
      parsed = undefined;
    }
    if (parsed) {
      const wanted = parsed;
      const versioned = /@|:[^/]*$/.test(pattern);
      return (_image, reference) =>
        !!reference && (versioned ? reference.normalized === wanted.normalized : repositoryName(reference) === repositoryName(wanted));
    }
    return (image) => image === pattern;
  }
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (image, reference) => regex.test(image) || (!!reference && (regex.test(reference.normalized) || regex.test(repositoryName(reference))));
}
