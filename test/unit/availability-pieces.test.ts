import fc from 'fast-check';
import { gunzipSync } from 'node:zlib';
import { CheckResults } from '../../src/checks/results.js';
import { gzipOf } from '../../src/http/gzip-segments.js';
import { collect } from '../../src/http/packed-text.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { AvailabilityPieces } from '../../src/metrics/availability-pieces.js';
import { METRICS_FORMATS } from '../../src/metrics/availability-families.js';
import { availabilityChunks, ExporterMetrics } from '../../src/metrics/metrics.js';
import { STATUSES, type Status } from '../../src/status.js';
import { promtool, run } from '../support/tools.js';

const KINDS = ['deployment', 'statefulset', 'daemonset', 'cronjob', 'pod', 'job', 'rollout'];
/** A few images, one unparsable and one whose label needs escaping. */
const IMAGES = ['r.example/a:1', 'r.example/b:2', 'r.example/c:3', 'q.example/d@sha256:' + 'e'.repeat(64), 'Not A Reference', 'r.example/"quoted"\\:4'];

type Op =
  | { op: 'upsert'; kind: number; namespace: number; name: number; images: number[] }
  | { op: 'delete'; kind: number; namespace: number; name: number }
  | { op: 'status'; unit: number; status: Status }
  | { op: 'forget'; unit: number }
  | { op: 'render' };

const ops = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant('upsert' as const), kind: fc.nat(KINDS.length - 1), namespace: fc.nat(2), name: fc.nat(5), images: fc.array(fc.nat(IMAGES.length - 1), { minLength: 1, maxLength: 3 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), kind: fc.nat(KINDS.length - 1), namespace: fc.nat(2), name: fc.nat(5) }) },
    { weight: 5, arbitrary: fc.record({ op: fc.constant('status' as const), unit: fc.nat(20), status: fc.constantFrom(...STATUSES) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('forget' as const), unit: fc.nat(20) }) },
    { weight: 3, arbitrary: fc.constant({ op: 'render' as const }) },
  ),
  { maxLength: 60 },
);

function setup() {
  const results = new CheckResults();
  const index = new ImageIndex(new ImageFilter([]), { unitAdded: () => {}, unitRemoved: () => {} });
  const record = (status: Status) => ({ status, message: '', registry: 'r.example', checkedAt: 0, durationMs: 1, consecutiveFailures: 0 });
  return { results, index, record };
}

function apply(op: Op, { index, results, record }: ReturnType<typeof setup>): void {
  const units = () => [...new Set([...index.usages()].flatMap((usage) => (usage.unit ? [usage.unit.key] : [])))];
  if (op.op === 'upsert') {
    const containers = op.images.map((image, i) => ({ name: `c${i}`, image: IMAGES[image] }));
    index.upsertWorkload({ kind: KINDS[op.kind], namespace: `ns-${op.namespace}`, name: `w-${op.name}`, podSpec: { containers } });
  } else if (op.op === 'delete') index.deleteWorkload(KINDS[op.kind], `ns-${op.namespace}`, `w-${op.name}`);
  else if (op.op === 'status' || op.op === 'forget') {
    const keys = units();
    if (keys.length === 0) return;
    const key = keys[op.unit % keys.length];
    if (op.op === 'status') results.set(key, record(op.status));
    else results.delete(key);
  }
}

const text = (chunks: Iterable<Buffer>) => Buffer.concat([...chunks]).toString();
const unzipped = async (pieces: AvailabilityPieces) => gunzipSync(Buffer.concat(gzipOf(await pieces.segments()).gzipped)).toString();

describe('availability families kept as compressed pieces', () => {
  test('after any sequence of workloads come, changed and gone and statuses set or forgotten, the kept pieces read exactly as a full render, in every format', async () => {
    await fc.assert(
      fc.asyncProperty(ops, fc.integer({ min: 1, max: 4 }), async (sequence, blockRows) => {
        const state = setup();
        const kept = METRICS_FORMATS.map((format) => ({ format, pieces: new AvailabilityPieces(state.index, state.results, format, blockRows) }));
        for (const op of [...sequence, { op: 'render' as const }]) {
          apply(op, state);
          if (op.op !== 'render') continue;
          for (const { format, pieces } of kept) expect(await unzipped(pieces)).toBe(text(availabilityChunks(state.index, state.results, format)));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('a status change recompresses the two pieces of its block that it touches; a new row only its block; nothing changed, nothing', async () => {
    const state = setup();
    const pieces = new AvailabilityPieces(state.index, state.results, 'per-kind', 4);
    for (let i = 0; i < 12; i++) {
      state.index.upsertWorkload({ kind: 'deployment', namespace: 'shop', name: `w${i}`, podSpec: { containers: [{ name: 'app', image: `r.example/app-${i}:1` }] } });
      state.results.set(`r.example/app-${i}:1`, state.record('available'));
    }
    const before = await pieces.segments();
    expect(pieces.blockCount).toBe(3);
    expect(await pieces.segments()).toEqual(before);
    expect((await pieces.segments()).every((piece, i) => piece === before[i])).toBe(true);

    state.results.set('r.example/app-5:1', state.record('absent'));
    const flipped = await pieces.segments();
    const changed = flipped.filter((piece, i) => piece !== before[i]);
    expect(changed).toHaveLength(2);
    expect(text(availabilityChunks(state.index, state.results))).toBe(await unzipped(pieces));

    state.index.upsertWorkload({ kind: 'deployment', namespace: 'shop', name: 'w12', podSpec: { containers: [{ name: 'app', image: 'r.example/app-12:1' }] } });
    state.results.set('r.example/app-12:1', state.record('absent'));
    const added = await pieces.segments();
    // Its own block of one row: eight new pieces (one per status), every other piece kept.
    expect(added.length).toBe(flipped.length + STATUSES.length);
    expect(added.filter((piece) => !flipped.includes(piece))).toHaveLength(STATUSES.length);
  });

  test('a workload gone from the middle rebuilds its block only', async () => {
    const state = setup();
    const pieces = new AvailabilityPieces(state.index, state.results, 'unified', 4);
    for (let i = 0; i < 12; i++) {
      state.index.upsertWorkload({ kind: 'statefulset', namespace: 'db', name: `w${i}`, podSpec: { containers: [{ name: 'app', image: `r.example/db-${i}:1` }] } });
      state.results.set(`r.example/db-${i}:1`, state.record('available'));
    }
    const before = await pieces.segments();
    state.index.deleteWorkload('statefulset', 'db', 'w1');
    const after = await pieces.segments();
    expect(after.filter((piece) => !before.includes(piece))).toHaveLength(STATUSES.length);
    expect(await unzipped(pieces)).toBe(text(availabilityChunks(state.index, state.results, 'unified')));
  });
});

describe('the /metrics body made from kept pieces', () => {
  test('reads as the full render, passes promtool check metrics without a lint finding, and is one valid gzip member', async () => {
    const state = setup();
    for (let i = 0; i < 300; i++) {
      state.index.upsertWorkload({ kind: KINDS[i % KINDS.length], namespace: `ns-${i % 7}`, name: `w${i}`, podSpec: { containers: [{ name: 'app', image: IMAGES[i % IMAGES.length] }] } });
    }
    for (const usage of state.index.usages()) if (usage.unit) state.results.set(usage.unit.key, state.record(STATUSES[usage.workload.length % STATUSES.length]));
    const metrics = new ExporterMetrics('test', state.index, state.results, () => 0, 'both');
    const body = await metrics.gzippedExposition(['linux/amd64']);
    const exposition = gunzipSync(Buffer.concat(body.gzipped)).toString();
    expect(body.bytes).toBe(Buffer.byteLength(exposition));
    expect(body.gzippedBytes).toBe(Buffer.concat(body.gzipped).length);
    // Process figures move between two renders; the rest is the same text.
    const steady = (all: string) => all.split('\n').filter((line) => !/^(process|nodejs)_/.test(line));
    expect(steady(exposition)).toEqual(steady(Buffer.concat(collect(await metrics.exposition(['linux/amd64'])).chunks).toString()));
    const result = run(promtool(), ['check', 'metrics'], { input: exposition });
    expect(result.stderr + result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  test("a registry's series go from the kept body once no workload uses it, and stay while one does", async () => {
    const state = setup();
    const metrics = new ExporterMetrics('test', state.index, state.results);
    const scrape = async () => gunzipSync(Buffer.concat((await metrics.gzippedExposition()).gzipped)).toString();
    for (const [name, image] of [['a', 'r.example/a:1'], ['b', 'q.example/b:1']]) {
      state.index.upsertWorkload({ kind: 'deployment', namespace: 'n', name, podSpec: { containers: [{ name: 'app', image }] } });
      const unit = [...state.index.usages()].find((usage) => usage.workload === name)!.unit!;
      state.results.set(unit.key, state.record('available'));
      metrics.recordCheck(unit, { ...state.record('available'), registry: unit.reference.registry });
    }
    expect(await scrape()).toContain('checks_total{registry="r.example",status="available"} 1');
    state.index.deleteWorkload('deployment', 'n', 'a');
    const after = await scrape();
    expect(after).not.toContain('registry="r.example"');
    expect(after).toContain('checks_total{registry="q.example",status="available"} 1');
  });
});
