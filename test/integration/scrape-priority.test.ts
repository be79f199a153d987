// /metrics keeps its latency while clients loop on the status page and /api/images: pages render
// one at a time and never while /metrics renders. A real HTTP server on loopback serving the
// exporter's own routes over 100 000 availability series (results filled in directly, as in
// http-bounds.test.ts); ten page clients in this process, never pausing.
import { get } from 'node:http';
import { exporterRoutes } from '../../src/http/routes.js';
import { startHttpServer } from '../../src/http/server.js';
import { ExporterMetrics } from '../../src/metrics/metrics.js';
import { largeIndex } from '../support/large-index.js';

const CONTAINERS = 12_500;
const PAGE_CLIENTS = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('/metrics while ten clients loop on / and /api/images', () => {
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  let url: string;
  /** When each page render was done, each /metrics request reached its route, and each /metrics render was done. */
  const pagesDone: number[] = [];
  const metricsAsked: number[] = [];
  const metricsRendered: number[] = [];

  beforeAll(async () => {
    const { index, results } = largeIndex(CONTAINERS);
    const metrics = new ExporterMetrics('test', index, results);
    const routes = exporterRoutes({ version: 'test', index, results, metrics, clusterPlatforms: () => undefined, notReadyReason: () => undefined, metricsRendered: () => metricsRendered.push(performance.now()) });
    const counted = (page: NonNullable<typeof routes.statusPage>): typeof page => async (query) => {
      const body = await page(query);
      if (body) pagesDone.push(performance.now());
      return body;
    };
    const metricsRoute = routes.metrics;
    const askedFor: typeof metricsRoute = (acceptsGzip) => {
      metricsAsked.push(performance.now());
      return metricsRoute(acceptsGzip);
    };
    server = await startHttpServer({ host: '127.0.0.1', port: 0 }, { ...routes, metrics: askedFor, statusPage: counted(routes.statusPage!), imagesJson: counted(routes.imagesJson!) });
    url = `http://127.0.0.1:${server.port}`;
  }, 60_000);

  afterAll(() => new Promise<void>((resolve) => {
    server.server.close(() => resolve());
    server.server.closeAllConnections();
  }));

  function request(path: string, headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve) => {
      get(`${url}${path}`, { headers }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', () => resolve(0));
      }).on('error', () => resolve(0));
    });
  }

  /** One gzip scrape after the shared render's freshness, so that it renders: how long it took, and when the server took it up and was done rendering. */
  async function scrape(): Promise<{ took: number; askedAt: number; renderedAt: number }> {
    await sleep(1100);
    const rendersBefore = metricsRendered.length;
    const started = performance.now();
    expect(await request('/metrics', { 'accept-encoding': 'gzip' })).toBe(200);
    expect(metricsRendered.length).toBe(rendersBefore + 1);
    return { took: performance.now() - started, askedAt: metricsAsked[metricsAsked.length - 1], renderedAt: metricsRendered[rendersBefore] };
  }

  test('no page renders while /metrics renders, and a scrape takes about as long as with no page load', async () => {
    const idle: number[] = [];
    for (let i = 0; i < 3; i++) idle.push((await scrape()).took);
    let stop = false;
    const statuses: number[] = [];
    const clients = Array.from({ length: PAGE_CLIENTS }, async (_, client) => {
      for (let i = 0; !stop; i++) statuses.push(await request(client % 2 === 0 ? `/?q=service-${i % 97}` : `/api/images?q=team-${i % 50}`));
    });
    const loaded: Array<{ took: number; during: number }> = [];
    for (let i = 0; i < 3; i++) {
      const { took, askedAt, renderedAt } = await scrape();
      loaded.push({ took, during: pagesDone.filter((at) => at > askedAt && at < renderedAt).length });
    }
    stop = true;
    await Promise.all(clients);
    const idleMedian = [...idle].sort((a, b) => a - b)[1];
    process.stdout.write(`scrape under page load: idle ${idle.map(Math.round).join(', ')} ms; loaded ${loaded.map((s) => `${Math.round(s.took)} ms (${s.during} pages rendered meanwhile)`).join(', ')}; ${statuses.length} pages\n`);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(PAGE_CLIENTS);
    for (const scrapeUnderLoad of loaded) {
      expect(scrapeUnderLoad.during).toBe(0);
      // A page render already under way when the scrape arrives, and the clients' own work in this process.
      expect(scrapeUnderLoad.took).toBeLessThan(3 * idleMedian + 1000);
    }
  }, 120_000);
});
