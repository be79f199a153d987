// The status page's and /api/images' view of the images: one entry per image (per pull-secret
// set) with the workloads that use it, failing first, and what searching, filtering and the
// counts need. Built from the index and the results only when what it holds changes (a workload,
// an image's status), not per request: a request walks the entries in the order it asks for and
// reads the live details (reason, last check, history) of the page it returns only.
import type { CheckResults } from '../checks/results.js';
import { imageKeyOf, type ImageIndex, type Usage } from '../index/image-index.js';
import { apiHost } from '../registry/client.js';
import type { Status } from '../status.js';
import type { ImageQuery, Sort } from './image-query.js';

export type ImageEntry = {
  /** imageKeyOf: the unit's key, or `bad:` and the reference that cannot be parsed. */
  key: string;
  image: string;
  registry: string;
  /** The status when the view was built (it is rebuilt when one changes). */
  status: Status | 'pending';
  /** When the image got that status. */
  since?: number;
  /** The index's usages, by reference: nothing copied. */
  usages: Usage[];
  /** Lower-case text a search looks in: image, registry, pull secrets, workloads. */
  haystack: string;
};

export type ImageView = {
  /** Failing first (by status name), then pending, then available; by image within. */
  entries: ImageEntry[];
  counts: ReadonlyMap<string, number>;
  failing: number;
  namespaces: string[];
  /** Entry positions in the order of a sort, made on first use and kept with the view. */
  order(sort: Sort): ArrayLike<number>;
};

export const BAD_REFERENCE_REGISTRY = '(cannot be parsed)';

export function isFailing(status: ImageEntry['status']): boolean {
  return status !== 'available' && status !== 'pending';
}

export function buildImageView(index: ImageIndex, results: CheckResults): ImageView {
  const byKey = new Map<string, ImageEntry>();
  for (const usage of index.usages()) {
    const key = imageKeyOf(usage);
    const entry = byKey.get(key);
    if (entry) {
      entry.usages.push(usage);
      continue;
    }
    const unit = usage.unit;
    const record = unit && results.get(unit.key);
    byKey.set(key, {
      key,
      image: unit ? unit.reference.normalized : usage.image,
      registry: unit ? apiHost(unit.reference.registry) : BAD_REFERENCE_REGISTRY,
      status: unit ? (record?.status ?? 'pending') : 'bad_image_format',
      since: unit && results.history(unit.key)?.since,
      usages: [usage],
      haystack: '',
    });
  }
  const entries = [...byKey.values()].sort(byStatus);
  const counts = new Map<string, number>();
  const namespaces = new Set<string>();
  let failing = 0;
  for (const entry of entries) {
    entry.haystack = haystackOf(entry);
    counts.set(entry.status, (counts.get(entry.status) ?? 0) + 1);
    if (isFailing(entry.status)) failing++;
    for (const usage of entry.usages) namespaces.add(usage.namespace);
  }
  const orders = new Map<Sort, ArrayLike<number>>();
  return {
    entries,
    counts,
    failing,
    namespaces: [...namespaces].sort(),
    order(sort) {
      let order = orders.get(sort);
      if (!order) orders.set(sort, (order = sortedPositions(entries, sort)));
      return order;
    },
  };
}

/** Whether an entry passes the query's status, namespace and search filters. */
export function matches(entry: ImageEntry, query: ImageQuery, needle: string | undefined): boolean {
  if (query.status && (query.status === 'failing' ? !isFailing(entry.status) : entry.status !== query.status)) return false;
  if (query.namespace && !entry.usages.some((usage) => usage.namespace === query.namespace)) return false;
  return !needle || entry.haystack.includes(needle);
}

function haystackOf(entry: ImageEntry): string {
  const unit = entry.usages[0].unit;
  const secrets = unit ? unit.pullSecrets.map((name) => `${unit.namespace}/${name}`) : [];
  return [entry.image, entry.registry, ...secrets, ...entry.usages.map((u) => `${u.kind} ${u.namespace}/${u.workload} ${u.container}`)].join('\n').toLowerCase();
}

function sortedPositions(entries: ImageEntry[], sort: Sort): ArrayLike<number> {
  const positions = Uint32Array.from(entries.keys());
  if (sort === 'status') return positions;
  // Ties keep the view's order (failing first, by image): a stable sort of positions.
  const compare = SORTERS[sort];
  return positions.sort((a, b) => compare(entries[a], entries[b]) || a - b);
}

/** Failing first (by status name), then pending, then available; by image within. */
function byStatus(a: ImageEntry, b: ImageEntry): number {
  return rank(a) - rank(b) || (rank(a) === 0 ? a.status.localeCompare(b.status) : 0) || a.image.localeCompare(b.image);
}

function rank(entry: ImageEntry): number {
  return isFailing(entry.status) ? 0 : entry.status === 'pending' ? 1 : 2;
}

const SORTERS: Record<Exclude<Sort, 'status'>, (a: ImageEntry, b: ImageEntry) => number> = {
  since: (a, b) => (b.since ?? 0) - (a.since ?? 0),
  registry: (a, b) => a.registry.localeCompare(b.registry),
  image: (a, b) => a.image.localeCompare(b.image),
};
