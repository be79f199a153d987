// Case 2: time to check N unique images (spread over the seeded repositories) with the
// exporter's scheduler and client at the default concurrency, against a bare keep-alive undici
// HEAD loop at the same concurrency, on the same registry, in the same run. The registry is the
// limit of the bare loop, so the ratio is the share of the registry's rate the exporter gets.
// A third loop, the same HEADs on a new connection each, tells how much of a gap is reconnecting.
import type { CredentialProvider } from '../../src/registry/credentials/credential-provider.js';
import type { TestRegistry } from '../../test/support/registry.js';
import { bareHeadLoop, type LoopFigures } from '../lib/bare.js';
import { connectionsOpened } from '../lib/connections.js';
import { defaults, machinery, unitOf } from '../lib/machinery.js';
import type { Row } from '../lib/report.js';
import { seededImages } from '../lib/seeded-names.js';
import { log, ms } from '../lib/stats.js';

const TARGET_RATIO = 0.7;

/** Checks `images` once with the scheduler (and these credential providers); resolves once all are checked. */
export async function exporterPass(host: string, images: string[], providers: CredentialProvider[] = []): Promise<LoopFigures> {
  let checked = 0;
  let failures = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const m = machinery({
    plainHttpHosts: [host],
    settings: { checkInterval: 3_600_000 },
    providers,
    onChecked: (_unit, record) => {
      if (record.status !== 'available') failures++;
      if (++checked === images.length) done();
    },
  });
  try {
    // One warm-up check (learns HTTP and the host's auth), like the bare loop's warm-up request.
    await m.client.check(unitOf(images[0]).reference, []);
    const units = images.map(unitOf);
    const connections = connectionsOpened();
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (const unit of units) m.scheduler.add(unit);
    await finished;
    const elapsed = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { ms: elapsed, failures, cpuMs: (used.user + used.system) / 1000, connections: connectionsOpened() - connections };
  } finally {
    await m.close();
  }
}

export async function throughputCase(registry: TestRegistry, repos: number, sizes: number[]): Promise<{ rows: Row[]; detail: string[] }> {
  const concurrency = defaults().registryConcurrency;
  const rows: Row[] = [];
  const detail = [
    '| images | keep-alive loop | exporter | reconnecting loop | CPU per check: keep-alive / exporter / reconnecting | connections: keep-alive / exporter / reconnecting |',
    '|---|---|---|---|---|---|',
  ];
  for (const n of sizes) {
    const images = seededImages(registry.host, repos, n);
    // K E R E K: a drift in the machine's load hits every side alike.
    const keep1 = await bareHeadLoop(images, concurrency, true);
    const exp1 = await exporterPass(registry.host, images);
    const reconnecting = await bareHeadLoop(images, concurrency, false);
    const exp2 = await exporterPass(registry.host, images);
    const keep2 = await bareHeadLoop(images, concurrency, true);
    const keep = [keep1, keep2];
    const exp = [exp1, exp2];
    const failures = [...keep, ...exp, reconnecting].reduce((sum, pass) => sum + pass.failures, 0);
    const rate = (passes: LoopFigures[]) => (passes.length * n * 1000) / passes.reduce((sum, pass) => sum + pass.ms, 0);
    const perCheck = (passes: LoopFigures[], field: 'cpuMs' | 'connections') => passes.reduce((sum, pass) => sum + pass[field], 0) / (passes.length * n);
    const ratio = rate(exp) / rate(keep);
    const passTimes = (passes: LoopFigures[]) => passes.map((pass) => ms(pass.ms)).join(', ');
    log(`throughput ${n}: keep-alive ${passTimes(keep)}, exporter ${passTimes(exp)}, reconnecting ${passTimes([reconnecting])}; ratio ${ratio.toFixed(2)}`);
    detail.push(
      `| ${n} | ${rate(keep).toFixed(0)}/s (${passTimes(keep)}) | ${rate(exp).toFixed(0)}/s (${passTimes(exp)}) | ${rate([reconnecting]).toFixed(0)}/s (${passTimes([reconnecting])}) | ` +
        `${perCheck(keep, 'cpuMs').toFixed(2)} / ${perCheck(exp, 'cpuMs').toFixed(2)} / ${perCheck([reconnecting], 'cpuMs').toFixed(2)} ms | ` +
        `${perCheck(keep, 'connections').toFixed(3)} / ${perCheck(exp, 'connections').toFixed(3)} / ${perCheck([reconnecting], 'connections').toFixed(3)} |`,
    );
    rows.push({
      case: `2. throughput, ${n} images`,
      exporter: `${rate(exp).toFixed(0)} checks/s, ${perCheck(exp, 'connections').toFixed(2)} connections per check${failures ? ` (${failures} failed!)` : ''}`,
      baseline: `keep-alive HEAD loop ${rate(keep).toFixed(0)}/s (reconnecting ${rate([reconnecting]).toFixed(0)}/s)`,
      ratio,
      target: `≥ ${TARGET_RATIO.toFixed(2)}`,
      pass: ratio >= TARGET_RATIO && failures === 0,
    });
  }
  return { rows, detail };
}
