// The order of renders: /metrics first, pages one at a time, a bounded queue of pages.
import { PageGate } from '../../src/http/page-gate.js';
import { startHttpServer } from '../../src/http/server.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('pages wait while /metrics renders, then render one at a time in arrival order', async () => {
  const gate = new PageGate(4);
  const order: string[] = [];
  let finishMetrics!: () => void;
  const metrics = gate.metrics(() => new Promise<void>((resolve) => (finishMetrics = resolve)).then(() => void order.push('metrics')));
  const pages = [1, 2, 3].map((n) => gate.page(async () => void order.push(`page ${n}`)));
  await tick();
  expect(order).toEqual([]);
  expect(gate.waitingCount).toBe(3);
  finishMetrics();
  await metrics;
  await Promise.all(pages);
  expect(order).toEqual(['metrics', 'page 1', 'page 2', 'page 3']);
});

test('a scrape that arrives while a page renders goes before the pages waiting', async () => {
  const gate = new PageGate(4);
  const order: string[] = [];
  let finishFirst!: () => void;
  const first = gate.page(() => new Promise<void>((resolve) => (finishFirst = resolve)).then(() => void order.push('page 1')));
  const second = gate.page(async () => void order.push('page 2'));
  await tick();
  finishFirst();
  await first;
  // Between two pages the event loop polls for I/O: a scrape taken up then starts before page 2.
  const metrics = gate.metrics(async () => void order.push('metrics'));
  await Promise.all([metrics, second]);
  expect(order).toEqual(['page 1', 'metrics', 'page 2']);
});

test('beyond the pages allowed to wait, a page is refused at once (the server answers 503)', async () => {
  const gate = new PageGate(2);
  let finishMetrics!: () => void;
  const metrics = gate.metrics(() => new Promise<void>((resolve) => (finishMetrics = resolve)));
  const waiting = [gate.page(async () => 'a'), gate.page(async () => 'b')];
  expect(await gate.page(async () => 'c')).toBeUndefined();
  finishMetrics();
  await metrics;
  expect(await Promise.all(waiting)).toEqual(['a', 'b']);
});

test('the server answers a refused page with 503, Retry-After and what to do', async () => {
  const server = await startHttpServer({ host: '127.0.0.1', port: 0 }, {
    metrics: async () => ({ contentType: 'text/plain', chunks: [], length: 0 }),
    notReadyReason: () => undefined,
    statusPage: async () => undefined,
  });
  try {
    const response = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.text()).toBe('busy: too many status pages are waiting to be rendered (scrapes of /metrics go first); retry in a few seconds\n');
  } finally {
    await new Promise<void>((resolve) => server.server.close(() => resolve()));
  }
});
