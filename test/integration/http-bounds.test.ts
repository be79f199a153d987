// The exporter's HTTP routes under many scrapers and clients that never read: one shared body,
// non-readers closed by the write timeout, pages bounded. A real HTTP server on loopback serving
// the exporter's own index, results and metrics; the results are filled in directly (rendering
// does not care how a result was obtained), so no registry is involved.
import { createHash } from 'node:crypto';
import { get } from 'node:http';
import { connect } from 'node:net';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../src/http/image-query.js';
import { exporterRoutes } from '../../src/http/routes.js';
import { DEFAULT_LIMITS, startHttpServer } from '../../src/http/server.js';
import { ExporterMetrics } from '../../src/metrics/metrics.js';
import { parseMetrics } from '../support/metrics-text.js';
import { promtool, run } from '../support/tools.js';
import { largeIndex } from '../support/large-index.js';

const CONTAINERS = 12_500; // × 8 status gauges = 100 000 availability series, about 13 MB
const IDLE_MS = 5000;

describe('HTTP under load', () => {
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  let routes: ReturnType<typeof exporterRoutes>;
  let url: string;

  beforeAll(async () => {
    const { index, results } = largeIndex(CONTAINERS);
    const metrics = new ExporterMetrics('test', index, results);
    routes = exporterRoutes({ version: 'test', index, results, metrics, clusterPlatforms: () => undefined, notReadyReason: () => undefined });
    server = await startHttpServer({ host: '127.0.0.1', port: 0 }, routes, { ...DEFAULT_LIMITS, idleTimeoutMs: IDLE_MS, responseDeadlineMs: 20_000 });
    url = `http://127.0.0.1:${server.port}`;
  }, 60_000);

  afterAll(() => new Promise<void>((resolve) => {
    server.server.close(() => resolve());
    server.server.closeAllConnections();
  }));

  /** A scraper that reads the whole body and keeps only its length and digest (the test process is small). */
  function scrape(headers: Record<string, string> = {}): Promise<{ bytes: number; digest: string; text?: string }> {
    return new Promise((resolve, reject) => {
      get(`${url}/metrics`, { headers }, (response) => {
        const hash = createHash('sha256');
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          hash.update(chunk);
        });
        response.on('end', () => resolve({ bytes, digest: hash.digest('hex') }));
        response.on('error', reject);
      }).on('error', reject);
    });
  }

  /**
   * Sends a GET and reads nothing for `silentMs`, then reads what is left: a client the server cut
   * off gets only what was already in flight, then the connection ends.
   */
  function nonReader(path: string, silentMs: number): Promise<{ bytes: number }> {
    const socket = connect(server.port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: exporter\r\n\r\n`));
    socket.pause();
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.on('error', () => {});
    setTimeout(() => socket.resume(), silentMs).unref();
    // On a kept-alive connection the server would close it only after its keep-alive timeout.
    setTimeout(() => socket.destroy(), silentMs + 10_000).unref();
    return new Promise((resolve) => socket.once('close', () => resolve({ bytes })));
  }

  test('16 scrapers and 20 clients that never read → one shared body, the non-readers closed by the idle timeout', async () => {
    const rendersBefore = routes.metricsRender.renders;
    const started = Date.now();
    const nonReaders = Array.from({ length: 20 }, () => nonReader('/metrics', 3 * IDLE_MS));
    let maxAlive = 0;
    const sample = setInterval(() => (maxAlive = Math.max(maxAlive, routes.metricsRender.alive)), 20);
    // The scrapers ask for gzip, as Prometheus does; the non-readers do not (theirs is decompressed as it drains).
    const scrapes = await Promise.all(Array.from({ length: 16 }, () => scrape({ 'accept-encoding': 'gzip' })));
    const cutOff = await Promise.all(nonReaders);
    const closedAfter = Date.now() - started;
    clearInterval(sample);

    // 36 requests, a handful of renders (one per freshness window at most, however slow the
    // machine), never more than two bodies in memory; every scraper got a whole body.
    const renders = routes.metricsRender.renders - rendersBefore;
    expect(renders).toBeLessThanOrEqual(4);
    expect(new Set(scrapes.map((s) => s.digest)).size).toBeLessThanOrEqual(renders);
    expect(maxAlive).toBeLessThanOrEqual(2);
    for (const { bytes } of scrapes) expect(bytes).toBeGreaterThan(CONTAINERS * 8 * 5);
    // Cut off: far less than the body reached them, and the connection ended soon after they read.
    for (const { bytes } of cutOff) expect(bytes).toBeLessThan((CONTAINERS * 8 * 140) / 2);
    expect(closedAfter).toBeLessThan(3 * IDLE_MS + 5000);
  }, 60_000);

  test('/api/images: 100 images per page by default, at most 500, with the total', async () => {
    const first = (await fetch(`${url}/api/images`).then((r) => r.json())) as { total: number; offset: number; limit: number; images: Array<{ image: string; status: string }> };
    expect(first.limit).toBe(DEFAULT_PAGE_SIZE);
    expect(first.images).toHaveLength(DEFAULT_PAGE_SIZE);
    expect(first.total).toBe(6000);
    expect(first.images[0].status).toBe('absent'); // problems first
    const big = (await fetch(`${url}/api/images?limit=100000&offset=5900`).then((r) => r.json())) as typeof first;
    expect(big.limit).toBe(MAX_PAGE_SIZE);
    expect(big.images).toHaveLength(100);
    const absent = (await fetch(`${url}/api/images?status=absent&limit=1000`).then((r) => r.json())) as typeof first;
    expect(absent.images.every((image) => image.status === 'absent')).toBe(true);
    expect(absent.total).toBe(600);
  });

  test('the status page is one page of images, with a link to the next', async () => {
    const html = await fetch(`${url}/?status=absent`).then((r) => r.text());
    expect(html.match(/<tr class="status-/g)).toHaveLength(DEFAULT_PAGE_SIZE);
    expect(html).toContain('href="/?status=absent&amp;offset=100"');
  });

  test('the shared /metrics body, gzip-compressed for clients that accept it, has every availability series and passes promtool check metrics (no format error, no lint finding)', async () => {
    // fetch asks for gzip, as Prometheus does, and decompresses; the plain request below does not ask.
    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get('content-encoding')).toBe('gzip');
    const body = await response.text();
    const identity = await new Promise<string>((resolve, reject) => {
      get(`${url}/metrics`, (plain) => {
        expect(plain.headers['content-encoding']).toBeUndefined();
        let text = '';
        plain.setEncoding('utf8');
        plain.on('data', (chunk: string) => (text += chunk));
        plain.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect(identity.length).toBeGreaterThan(CONTAINERS * 8 * 100);
    expect(identity.split('\n').filter((line) => line.includes('{namespace=')).length).toBe(CONTAINERS * 8);
    const series = parseMetrics(body).filter((s) => s.name.startsWith('k8s_image_availability_exporter_') && s.labels.namespace);
    expect(series).toHaveLength(CONTAINERS * 8);
    // Last in this file: promtool runs synchronously, and the kept-alive connections it outlasts are closed.
    const result = run(promtool(), ['check', 'metrics'], { input: body });
    // 0: clean; 3 would be a lint finding, 1 a format error.
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  }, 30_000);
});
