import { request } from 'node:http';
import { parseBindAddress, startHttpServer } from '../../src/http/server.js';

describe('HTTP server', () => {
  let ready = false;
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  beforeAll(async () => {
    server = await startHttpServer({ host: '127.0.0.1', port: 0 }, {
      metrics: async () => ({ contentType: 'text/plain; version=0.0.4', chunks: [Buffer.from('up 1\n')], length: 5 }),
      notReadyReason: () => (ready ? undefined : 'waiting for the first list of deployment'),
    });
  });
  afterAll(() => new Promise<void>((resolve) => server.server.close(() => resolve())));
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;

  test('/metrics, /healthz', async () => {
    const metrics = await fetch(url('/metrics'));
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toBe('up 1\n');
    expect((await fetch(url('/healthz'))).status).toBe(200);
  });

  test('/readyz says why it is not ready, then 200', async () => {
    const notReady = await fetch(url('/readyz'));
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toContain('waiting for the first list of deployment');
    ready = true;
    expect((await fetch(url('/readyz'))).status).toBe(200);
  });

  test.each(['/', '/etc/passwd', '/metrics/../../etc/passwd', '/%2e%2e/package.json', '/favicon.ico'])('%s → 404, nothing served from disk', async (path) => {
    const status = await new Promise<number>((resolve) => request(url(path), (res) => (res.resume(), resolve(res.statusCode ?? 0))).end());
    expect([404]).toContain(status);
  });

  test('other methods → 405', async () => {
    expect((await fetch(url('/metrics'), { method: 'POST', body: 'x' })).status).toBe(405);
  });

  test('oversized request headers are refused', async () => {
    const status = await new Promise<number>((resolve) => request(url('/metrics'), { headers: { 'x-big': 'a'.repeat(64 * 1024) } }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).end());
    expect(status).toBe(431);
  });

  test.each([
    [':8080', { host: undefined, port: 8080 }],
    ['127.0.0.1:9100', { host: '127.0.0.1', port: 9100 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
  ])('bind address %s', (text, expected) => {
    expect(parseBindAddress(text)).toEqual(expected);
  });
});
