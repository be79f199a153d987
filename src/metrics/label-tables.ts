// The label sets of the availability series, written once per render as bytes (one table per
// label set and kind, which every status family of that kind copies from), into buffers kept from
// one render to the next. Allocated afresh, a table of 100 000 series (2 MB) would be garbage after
// every render, live long enough to reach V8's old space, and, freed, would teach the C allocator
// to keep blocks of that size in its heap instead of returning them: the resident set would grow
// by megabytes per scrape until a full collection.
import type { AvailabilityRow, LabelSet } from './availability-families.js';
import type { Usage } from '../index/image-index.js';
import type { KindName } from '../kube/workload-kinds.js';
import type { Status } from '../status.js';
import { boundedLabelValue, MAX_BAD_IMAGE_LABEL_LENGTH } from '../bounds/label-value.js';

/** Row i's labels are bytes[ends[i - 1]] (0 for the first) up to bytes[ends[i]]. */
export type LabelTable = { bytes: Buffer; ends: Uint32Array };

/** What one label set of one row takes, roughly: the first size of a table. */
const BYTES_PER_ROW = 160;
/** A table kept at more than this many times what a render needs is given back. */
const SHRINK_FACTOR = 4;

export class LabelTables {
  private readonly kept = new Map<LabelSet, Map<KindName, LabelTable>>();

  /** The table of these rows, valid until the next fill of the same set and kind. */
  fill(set: LabelSet, kind: KindName, usages: readonly Usage[], statuses: readonly Status[]): LabelTable {
    let byKind = this.kept.get(set);
    if (!byKind) this.kept.set(set, (byKind = new Map()));
    const wanted = Math.max(4096, usages.length * BYTES_PER_ROW);
    const old = byKind.get(kind);
    let bytes = old && old.bytes.length >= wanted / 2 && old.bytes.length <= wanted * SHRINK_FACTOR ? old.bytes : Buffer.allocUnsafe(wanted);
    const ends = old && old.ends.length >= usages.length && old.ends.length <= Math.max(1024, usages.length * SHRINK_FACTOR) ? old.ends : new Uint32Array(usages.length);
    let used = 0;
    for (let i = 0; i < usages.length; i++) {
      const text = set(rowOf(kind, usages[i], statuses[i]));
      const length = Buffer.byteLength(text);
      if (used + length > bytes.length) {
        const grown = Buffer.allocUnsafe(Math.max(2 * bytes.length, used + length));
        bytes.copy(grown, 0, 0, used);
        bytes = grown;
      }
      used += bytes.write(text, used);
      ends[i] = used;
    }
    const table = { bytes, ends };
    byKind.set(kind, table);
    return table;
  }
}

/** These rows' labels in a table of exactly their size, kept by a block of rows (availability-pieces.ts). */
export function labelTable(set: LabelSet, kind: KindName, usages: readonly Usage[], statuses: readonly Status[]): LabelTable {
  const texts = usages.map((usage, i) => set(rowOf(kind, usage, statuses[i])));
  const ends = new Uint32Array(texts.length);
  let used = 0;
  for (let i = 0; i < texts.length; i++) ends[i] = used += Buffer.byteLength(texts[i]);
  // Not from Node's pool: a kept slice of a pool buffer would keep all of it.
  const bytes = Buffer.allocUnsafeSlow(used);
  for (let i = 0; i < texts.length; i++) bytes.write(texts[i], i === 0 ? 0 : ends[i - 1]);
  return { bytes, ends };
}

function rowOf(kind: KindName, usage: Usage, status: Status): AvailabilityRow {
  const labels = usageLabels(usage);
  return { kind, namespace: escapeLabelValue(labels.namespace), name: escapeLabelValue(labels.name), container: escapeLabelValue(labels.container), image: escapeLabelValue(labels.image), status };
}

/** A usage's label values, each bounded (label-value.ts), not yet escaped. */
export function usageLabels(usage: Usage): { namespace: string; name: string; container: string; image: string } {
  return {
    namespace: boundedLabelValue(usage.namespace),
    name: boundedLabelValue(usage.workload),
    container: boundedLabelValue(usage.container),
    image: boundedLabelValue(usage.image, usage.badReference === undefined ? undefined : MAX_BAD_IMAGE_LABEL_LENGTH),
  };
}

/** A label value as the exposition format writes it between double quotes. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
