// The availability families kept from one render to the next as compressed pieces, so that a
// render costs what changed, not every series. Each kind's rows (checked-rows.ts, index order) are
// cut into blocks of about BLOCK_ROWS; a block keeps its rows' label sets as bytes and, per
// family, its lines compressed (gzip-segments.ts). A render compares the rows with the blocks':
// a status change drops the two pieces of the statuses it leaves and enters (one 0 becomes 1 and
// one 1 becomes 0), a row come or gone rebuilds its block only, and the body is the kept pieces
// in order. The text is exactly the full render's (metrics.ts), which a test checks.
import type { CheckResults } from '../checks/results.js';
import { deflateSegment, type DeflatedSegment } from '../http/gzip-segments.js';
import type { ImageIndex, Usage } from '../index/image-index.js';
import type { KindName } from '../kube/workload-kinds.js';
import { STATUSES, type Status } from '../status.js';
import { availabilityFamilies, type AvailabilityFamily, type LabelSet, type MetricsFormat } from './availability-families.js';
import { checkedRows, renderedKinds, type KindRows } from './checked-rows.js';
import { labelTable, type LabelTable } from './label-tables.js';

/** Rows per block: a status change recompresses two pieces of this many lines, a new row the eight of its block. */
export const BLOCK_ROWS = 256;
/** How far a render looks for a row that moved (rows gone or come before it) before it calls the rows replaced. */
const LOOKAHEAD = 16;
/** Longest the compression of pieces runs without letting I/O (probes, watches, checks) in. */
const SLICE_MS = 20;

type Block = {
  usages: Usage[];
  statuses: Status[];
  /** By label set (one per format): the rows' labels, made when a piece first needs them. */
  labels: Map<LabelSet, LabelTable>;
  /** By label set, then by status (STATUSES' order): the block's lines of that family compressed, undefined until needed. */
  pieces: Map<LabelSet, Array<DeflatedSegment | undefined>>;
};

/** Rows on their way into a block: the old block they match (kept, its pieces of `flipped` statuses dropped) or none (rebuilt). */
type Draft = { usages: Usage[]; statuses: Status[]; old?: Block; rebuilt: boolean; flipped: Set<Status> };

const ONE = Buffer.from('} 1\n');
const ZERO = Buffer.from('} 0\n');

export class AvailabilityPieces {
  private readonly blocks = new Map<KindName, Block[]>();
  private kinds: KindName[] = [];
  /** The content versions the blocks were last brought up to. */
  private seen = { index: -1, status: -1 };
  private readonly headers = new Map<string, DeflatedSegment>();
  private readonly openings = new Map<string, Buffer>();
  /** Where a piece's lines are written before compression; grows to the largest block's. */
  private scratch = Buffer.allocUnsafeSlow(64 * 1024);
  private last: Promise<unknown> = Promise.resolve();
  /** The families for the kinds they were made for (made again only when a kind comes or goes). */
  private families: { kinds: string; list: AvailabilityFamily[] } = { kinds: '', list: [] };
  /** The registries of the usages as of the last update (metrics.ts drops the series of the others). */
  registries: ReadonlySet<string> = new Set();

  constructor(
    private readonly index: ImageIndex,
    private readonly results: CheckResults,
    private readonly format: MetricsFormat,
    private readonly blockRows = BLOCK_ROWS,
  ) {}

  /**
   * The families' compressed pieces in exposition order, brought up to date first. Compressing
   * gives way to other work every SLICE_MS (the first render of a large cluster compresses
   * thousands of pieces), and calls that overlap wait for the one before.
   */
  segments(): Promise<DeflatedSegment[]> {
    const next = this.last.then(() => this.render());
    this.last = next.catch(() => {});
    return next;
  }

  private async render(): Promise<DeflatedSegment[]> {
    this.update();
    const segments: DeflatedSegment[] = [];
    let sliceStarted = performance.now();
    const kindsKey = this.kinds.join(' ');
    if (this.families.kinds !== kindsKey) this.families = { kinds: kindsKey, list: availabilityFamilies(this.format, this.kinds) };
    for (const family of this.families.list) {
      segments.push(this.header(family));
      for (const kind of family.kinds) {
        // Renders do not overlap (segments()): while this one gives way, the blocks stay as update() left them.
        for (const block of this.blocks.get(kind) ?? []) {
          const kept = block.pieces.get(family.labels)?.[STATUSES.indexOf(family.status)];
          segments.push(kept ?? this.piece(block, kind, family));
          // The clock only after work: reading it costs more than taking a kept piece.
          if (kept || performance.now() - sliceStarted < SLICE_MS) continue;
          await new Promise(setImmediate);
          sliceStarted = performance.now();
        }
      }
    }
    return segments;
  }

  /** Blocks kept now (tests read it). */
  get blockCount(): number {
    let count = 0;
    for (const blocks of this.blocks.values()) count += blocks.length;
    return count;
  }

  private update(): void {
    const versions = { index: this.index.version, status: this.results.statusVersion };
    if (versions.index === this.seen.index && versions.status === this.seen.status) return;
    const registries = new Set<string>();
    const rows = checkedRows(this.index, this.results, registries);
    this.registries = registries;
    this.kinds = renderedKinds(rows);
    for (const kind of this.blocks.keys()) if (!rows.has(kind)) this.blocks.delete(kind);
    for (const [kind, kindRows] of rows) this.blocks.set(kind, reconcile(this.blocks.get(kind) ?? [], kindRows, this.blockRows));
    // Only once up to date: an update that threw is made again by the next render.
    this.seen = versions;
  }

  private header(family: AvailabilityFamily): DeflatedSegment {
    let header = this.headers.get(family.name);
    if (!header) this.headers.set(family.name, (header = deflateSegment(Buffer.from(`# HELP ${family.name} ${family.help}\n# TYPE ${family.name} gauge\n`))));
    return header;
  }

  private piece(block: Block, kind: KindName, family: AvailabilityFamily): DeflatedSegment {
    const { labels: set, status } = family;
    let byStatus = block.pieces.get(set);
    if (!byStatus) block.pieces.set(set, (byStatus = new Array<DeflatedSegment | undefined>(STATUSES.length)));
    const at = STATUSES.indexOf(status);
    return (byStatus[at] ??= this.compress(block, kind, family));
  }

  private compress(block: Block, kind: KindName, family: AvailabilityFamily): DeflatedSegment {
    let table = block.labels.get(family.labels);
    if (!table) block.labels.set(family.labels, (table = labelTable(family.labels, kind, block.usages, block.statuses)));
    let opening = this.openings.get(family.name);
    if (!opening) this.openings.set(family.name, (opening = Buffer.from(`${family.name}{`)));
    const { bytes, ends } = table;
    const { statuses } = block;
    const size = statuses.length * (opening.length + ONE.length) + (ends.length > 0 ? ends[ends.length - 1] : 0);
    if (size > this.scratch.length) this.scratch = Buffer.allocUnsafeSlow(size);
    const text = this.scratch;
    let used = 0;
    for (let i = 0, start = 0; i < statuses.length; start = ends[i++]) {
      text.set(opening, used);
      used += opening.length;
      // A plain Uint8Array view: Buffer#subarray runs a Buffer's constructor per call (packed-text.ts).
      text.set(new Uint8Array(bytes.buffer, bytes.byteOffset + start, ends[i] - start), used);
      used += ends[i] - start;
      text.set(statuses[i] === family.status ? ONE : ZERO, used);
      used += ONE.length;
    }
    return deflateSegment(text.subarray(0, used));
  }
}

/** The same row: the same labels whatever the usage object (an updated workload gets new ones). */
function sameRow(a: Usage, b: Usage): boolean {
  return a === b || (a.namespace === b.namespace && a.workload === b.workload && a.container === b.container && a.image === b.image && (a.badReference === undefined) === (b.badReference === undefined));
}

/**
 * The blocks for `rows`, reusing `old`'s where their rows are the same. The new rows are walked
 * beside the old ones: a match stays in its block (a status change drops two pieces), a row found
 * a little further on the other side is a row gone or come, anything else a row replaced; a block
 * that gained or lost a row is rebuilt, and runs of rebuilt blocks are cut again into blocks of `blockRows`.
 */
function reconcile(old: Block[], rows: KindRows, blockRows: number): Block[] {
  const drafts: Draft[] = old.map((block) => ({ usages: [], statuses: [], old: block, rebuilt: false, flipped: new Set() }));
  if (drafts.length === 0) drafts.push({ usages: [], statuses: [], rebuilt: true, flipped: new Set() });
  let b = 0;
  let r = 0;
  const oldRow = (ahead: number): Usage | undefined => {
    let block = b;
    let row = r + ahead;
    while (block < old.length && row >= old[block].usages.length) row -= old[block++].usages.length;
    return block < old.length ? old[block].usages[row] : undefined;
  };
  const dropOld = () => {
    drafts[b].rebuilt = true;
    if (++r >= old[b].usages.length) [b, r] = [b + 1, 0];
  };
  const { usages, statuses } = rows;
  for (let j = 0; j < usages.length; j++) {
    const usage = usages[j];
    const current = oldRow(0);
    if (current && sameRow(current, usage)) {
      const draft = drafts[b];
      const was = old[b].statuses[r];
      if (was !== statuses[j]) draft.flipped.add(was).add(statuses[j]);
      draft.usages.push(usage);
      draft.statuses.push(statuses[j]);
      if (++r >= old[b].usages.length) [b, r] = [b + 1, 0];
      continue;
    }
    let gone = 0;
    for (let k = 1; k <= LOOKAHEAD && !gone; k++) if (oldRow(k) && sameRow(oldRow(k)!, usage)) gone = k;
    if (gone > 0) {
      for (let k = 0; k < gone; k++) dropOld();
      j--; // matched on the next turn
      continue;
    }
    let come = false;
    for (let k = 1; k <= LOOKAHEAD && j + k < usages.length && current && !come; k++) come = sameRow(current, usages[j + k]);
    // After the old rows: onto the last block, or a block of its own once that one is full and kept.
    let draft = drafts[Math.min(b, drafts.length - 1)];
    if (!current && !draft.rebuilt && draft.usages.length >= blockRows) drafts.push((draft = { usages: [], statuses: [], rebuilt: true, flipped: new Set() }));
    draft.usages.push(usage);
    draft.statuses.push(statuses[j]);
    draft.rebuilt = true;
    if (current && !come) dropOld(); // replaced
  }
  while (b < old.length) dropOld();
  return blocksOf(drafts, blockRows);
}

/** Kept blocks as they are (pieces of flipped statuses dropped); runs of rebuilt ones merged and cut into blocks of `blockRows`. */
function blocksOf(drafts: Draft[], blockRows: number): Block[] {
  const blocks: Block[] = [];
  let run: { usages: Usage[]; statuses: Status[] } = { usages: [], statuses: [] };
  const endRun = () => {
    for (let start = 0; start < run.usages.length; start += blockRows) {
      blocks.push({ usages: run.usages.slice(start, start + blockRows), statuses: run.statuses.slice(start, start + blockRows), labels: new Map(), pieces: new Map() });
    }
    run = { usages: [], statuses: [] };
  };
  for (const draft of drafts) {
    if (draft.rebuilt || !draft.old) {
      // One at a time: a spread of a whole kind's rows could pass more arguments than a call takes.
      for (let i = 0; i < draft.usages.length; i++) {
        run.usages.push(draft.usages[i]);
        run.statuses.push(draft.statuses[i]);
      }
      continue;
    }
    endRun();
    const block = draft.old;
    block.usages = draft.usages;
    block.statuses = draft.statuses;
    for (const byStatus of block.pieces.values()) for (const status of draft.flipped) byStatus[STATUSES.indexOf(status)] = undefined;
    blocks.push(block);
  }
  endRun();
  return blocks;
}
