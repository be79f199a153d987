// The warning a slow /metrics render gives when the process runs without V8's optimizing
// compiler (src/http/slow-render-hint.ts), and the render timing the routes hand to it.
import { CheckResults } from '../../src/checks/results.js';
import { exporterRoutes } from '../../src/http/routes.js';
import { optimizingCompilerOffBy, SLOW_RENDER_MS, slowRenderHint } from '../../src/http/slow-render-hint.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { ExporterMetrics } from '../../src/metrics/metrics.js';
import { optimizesHotCode } from '../support/hot-code.js';

test.each<[string[], string | undefined]>([
  [[], undefined],
  [['--max-semi-space-size=1'], undefined],
  [['--max-semi-space-size=1', '--max-opt=1'], '--max-opt=1'],
  [['--max_opt=2'], '--max_opt=2'],
  [['--max-opt=0'], '--max-opt=0'],
  [['--max-opt=3'], undefined],
  [['--max-opt=1', '--max-opt=999'], undefined],
  [['--no-opt'], '--no-opt'],
  [['--jitless'], '--jitless'],
  [['--lite-mode'], '--lite-mode'],
])('Node flags %j → optimizing compiler turned off by %s', (flags, expected) => {
  expect(optimizingCompilerOffBy(flags)).toBe(expected);
});

test('what the table says off is off in the real Node.js: a hot function stays unoptimized under each such flag, and is optimized without', () => {
  expect(optimizesHotCode([])).toBe(true);
  expect(optimizesHotCode(['--max-opt=3'])).toBe(true);
  for (const flags of [['--max-opt=1'], ['--max-opt=2'], ['--no-opt'], ['--jitless']]) expect([flags, optimizesHotCode(flags)]).toEqual([flags, false]);
});

test('a render under the threshold, or with the compiler on, says nothing; a slow one without it names the flag and the chart value', () => {
  expect(slowRenderHint(SLOW_RENDER_MS - 1, ['--max-opt=1'])).toBeUndefined();
  expect(slowRenderHint(5000, ['--max-semi-space-size=1'])).toBeUndefined();
  const hint = slowRenderHint(3400, ['--max-semi-space-size=1', '--max-opt=1']);
  expect(hint).toContain('rendering /metrics took 3.4 s');
  expect(hint).toContain('(--max-opt=1)');
  expect(hint).toContain("set the chart's optimizingCompiler: true");
});

test('the routes report each /metrics render once, however many requests share it', async () => {
  const index = new ImageIndex(new ImageFilter([]), { unitAdded: () => {}, unitRemoved: () => {} });
  const results = new CheckResults();
  index.upsertWorkload({ kind: 'deployment', namespace: 'n', name: 'web', podSpec: { containers: [{ name: 'c', image: 'r.example/app:1' }] } });
  results.set('r.example/app:1', { status: 'absent', message: '', registry: 'r.example', checkedAt: 0, durationMs: 1, consecutiveFailures: 0 });
  const renders: number[] = [];
  const routes = exporterRoutes({
    version: 'test',
    index,
    results,
    metrics: new ExporterMetrics('test', index, results),
    clusterPlatforms: () => undefined,
    notReadyReason: () => undefined,
    metricsRendered: (renderMs) => renders.push(renderMs),
  });
  const bodies = await Promise.all([routes.metrics(true), routes.metrics(false), routes.metrics(true)]);
  for (const body of bodies) body.release?.();
  expect(renders).toHaveLength(1);
  expect(renders[0]).toBeGreaterThan(0);
  expect(renders[0]).toBeLessThan(SLOW_RENDER_MS);
});
