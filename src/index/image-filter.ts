// --ignored-images and --allowed-images: which images not to check at all. An image is checked
// when it matches an allowed pattern (or none are set) and no ignored pattern: ignored wins. A pattern without `*` is an image
// reference and is normalised like one: "nginx" ignores every tag of docker.io/library/nginx,
// "nginx:1.25" that tag only, however the workload spells it. A pattern with `*` is matched
// against the image as written, its normalised form and its repository; `*` matches any run of
// characters, all else is literal ("registry.internal/*" ignores a whole registry). A pattern
// `regex:<expression>` is one of the Go exporter's regular expressions (image-regex.ts), matched
// anywhere in the image as written, as there.
import { repositoryName, type ImageReference } from '../registry/references/reference.js';
import { compileImageRegex, MAX_MATCHED_IMAGE_LENGTH, REGEX_PREFIX } from './image-regex.js';
import { ImageResolver } from './image-resolver.js';

type Matcher = (image: string, reference: ImageReference | undefined) => boolean;

/**
 * This replica checks the images whose name hashes to `index` out of `total`, like kube-state-metrics
 * shards. An index at or beyond the total (a pod being scaled away) checks nothing.
 */
export type Shard = { index: number; total: number };

/** The setting that keeps an image from being checked here. */
export type FilteredBy = 'shard' | 'allowedImages' | 'ignoredImages';

export class ImageFilter {
  private readonly ignored: Matcher[];
  private readonly allowed: Matcher[];

  constructor(
    ignored: string[],
    allowed: string[] = [],
    resolver: ImageResolver = new ImageResolver(),
    private shard: Shard = { index: 0, total: 1 },
  ) {
    this.ignored = ignored.map((pattern) => matcherFor(pattern, resolver));
    this.allowed = allowed.map((pattern) => matcherFor(pattern, resolver));
  }

  /** The shard changed (autosharding); the index re-evaluates its workloads after this. */
  setShard(shard: Shard): void {
    this.shard = shard;
  }

  /** Whether some images are another shard's: when not, every workload is this replica's. */
  get sharded(): boolean {
    return this.shard.index >= this.shard.total || this.shard.total > 1;
  }

  ignores(image: string, reference?: ImageReference): boolean {
    return this.why(image, reference) !== undefined;
  }

  /** Why an image is not checked here: another shard's, not allowed, or ignored; undefined when it is checked. */
  why(image: string, reference?: ImageReference): FilteredBy | undefined {
    if (this.shard.index >= this.shard.total) return 'shard';
    if (this.shard.total > 1 && shardOf(reference?.normalized ?? image, this.shard.total) !== this.shard.index) return 'shard';
    if (this.allowed.length > 0 && !this.allowed.some((matches) => matches(image, reference))) return 'allowedImages';
    return this.ignored.some((matches) => matches(image, reference)) ? 'ignoredImages' : undefined;
  }
}

function matcherFor(pattern: string, resolver: ImageResolver): Matcher {
  if (pattern.startsWith(REGEX_PREFIX)) {
    const expression = compileImageRegex(pattern.slice(REGEX_PREFIX.length));
    return (image) => image.length <= MAX_MATCHED_IMAGE_LENGTH && expression.test(image);
  }
  if (!pattern.includes('*')) {
    let parsed: ImageReference | undefined;
    try {
      parsed = resolver.parse(pattern);
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

/** FNV-1a: stable across processes and versions, so every replica agrees on who checks what. */
export function shardOf(name: string, total: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % total;
}
