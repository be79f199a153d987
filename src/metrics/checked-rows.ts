// The rows of the availability families: per kind, the usages that have a status, in index order,
// and the kinds whose families are written. The full render (metrics.ts) and the kept one
// (availability-pieces.ts) both start from here, so they cannot disagree on what a row is.
import type { CheckResults } from '../checks/results.js';
import type { ImageIndex, Usage } from '../index/image-index.js';
import { KIND_NAMES, type KindName } from '../kube/workload-kinds.js';
import type { Status } from '../status.js';

/** A kind's checked usages and their statuses, in index order: references only, nothing copied. */
export type KindRows = { usages: Usage[]; statuses: Status[] };

/** `registries`, when given, gets the registry of every usage that has a unit, checked or not: the walk is the same. */
export function checkedRows(index: ImageIndex, results: CheckResults, registries?: Set<string>): Map<KindName, KindRows> {
  const rows = new Map<KindName, KindRows>(KIND_NAMES.map((kind) => [kind, { usages: [], statuses: [] }]));
  for (const usage of index.usages()) {
    if (registries && usage.unit) registries.add(usage.unit.reference.registry);
    const status = usage.badReference !== undefined ? 'bad_image_format' : usage.unit && results.get(usage.unit.key)?.status;
    if (!status) continue; // not checked yet: no series rather than a false alarm
    let kindRows = rows.get(usage.kind);
    if (!kindRows) rows.set(usage.kind, (kindRows = { usages: [], statuses: [] }));
    kindRows.usages.push(usage);
    kindRows.statuses.push(status);
  }
  return rows;
}

/** The four controller kinds always have their families; pods, jobs and extra kinds once they have a series. */
export function renderedKinds(rows: ReadonlyMap<KindName, KindRows>): KindName[] {
  return [...KIND_NAMES, ...[...rows.keys()].filter((kind) => !(KIND_NAMES as readonly string[]).includes(kind)).sort()];
}
