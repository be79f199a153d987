// The exporter's own watch requests (src/kube/api-watch.ts) and shared API server connections
// (src/kube/api-connections.ts). Against the real API server: events of a real object, a refused
// watch with its status and message, an abort, a kubeconfig whose proxy-url tunnels to it. Against a hand-written server (no real API server
// sends these on demand): an event split over many writes, an endless line, and list requests
// that share one kept-alive connection.
import { KubeConfig } from '../../src/kube/client-library.js';
import { ApiWatch, WatchRefusedError } from '../../src/kube/api-watch.js';
import { KubeApi } from '../../src/kube/kube-api.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startConnectProxy } from '../support/connect-proxy.js';
import { startHostileServer, type HostileServer } from '../support/hostile-server.js';

type Event = { phase: string; object: { metadata?: { name?: string } } };

function recorder(): { events: Event[]; done: Promise<unknown>; onDone(error: unknown): void } {
  let onDone: (error: unknown) => void = () => {};
  const done = new Promise<unknown>((resolve) => (onDone = resolve));
  return { events: [], done, onDone: (error) => onDone(error) };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('ApiWatch against the real API server', () => {
  let server: ApiServer | undefined;
  let kc: KubeConfig;

  beforeAll(async () => {
    server = await startApiServer();
    kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  test('a created ConfigMap → ADDED with the object; accepted once; abort → done hears an AbortError', async () => {
    let accepted = 0;
    const seen = recorder();
    const watch = new ApiWatch(kc, { onAccepted: () => accepted++ });
    const controller = await watch.watch('/api/v1/namespaces/default/configmaps', {}, (phase, object: Event['object']) => seen.events.push({ phase, object }), seen.onDone);
    expect(accepted).toBe(1);
    await new KubeApi(kc).post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'watched-one' }, data: { a: 'b' } });
    await until(() => seen.events.some((event) => event.phase === 'ADDED' && event.object.metadata?.name === 'watched-one'), 'the ADDED event');
    controller.abort();
    expect((await seen.done) as Error).toHaveProperty('name', 'AbortError');
  });

  test('a resource the API server does not have → done with a WatchRefusedError carrying 404 and its message', async () => {
    const seen = recorder();
    await new ApiWatch(kc).watch('/apis/no.such.group/v1/things', {}, () => {}, seen.onDone);
    const error = (await seen.done) as WatchRefusedError;
    expect(error).toBeInstanceOf(WatchRefusedError);
    expect(error.statusCode).toBe(404);
    expect(error.message).toMatch(/^HTTP 404 from the API server for the watch of \/apis\/no\.such\.group\/v1\/things: /);
  });

  test("a kubeconfig's proxy-url → lists and watches go through the proxy's tunnel (the library's proxy agent stays)", async () => {
    const proxy = await startConnectProxy();
    try {
      const proxied = new KubeConfig();
      proxied.loadFromFile(server!.kubeconfigPath);
      const cluster = proxied.getCurrentCluster()!;
      proxied.clusters = proxied.clusters.map((each) => (each.name === cluster.name ? { ...each, proxyUrl: proxy.url } : each));
      await new KubeApi(proxied).listPage('/api/v1/namespaces', { limit: 1 });
      const seen = recorder();
      const controller = await new ApiWatch(proxied).watch('/api/v1/namespaces', {}, (phase, object: Event['object']) => seen.events.push({ phase, object }), seen.onDone);
      await until(() => seen.events.some((event) => event.phase === 'ADDED' && event.object.metadata?.name === 'default'), 'the default namespace through the proxy');
      controller.abort();
      await seen.done;
      expect(proxy.tunnels.length).toBeGreaterThanOrEqual(2);
      expect(new Set(proxy.tunnels)).toEqual(new Set([new URL(cluster.server).host]));
    } finally {
      await proxy.stop();
    }
  });
});

describe('ApiWatch and the shared connections against a hand-written server', () => {
  let server: HostileServer | undefined;

  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  function kubeConfigFor(host: string): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://${host}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'a-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    return kc;
  }

  test('an event written a few bytes at a time → one object; the stream ending → done with null', async () => {
    const line = `${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'split', resourceVersion: '7' } } })}\n`;
    server = await startHostileServer(async (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < line.length; i += 5) {
        response.write(line.slice(i, i + 5));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      response.end(`${JSON.stringify({ type: 'MODIFIED', object: { metadata: { name: 'split' } } })}\nnot json\n`);
    });
    const seen = recorder();
    await new ApiWatch(kubeConfigFor(server.host)).watch('/api/v1/pods', { resourceVersion: '5' }, (phase, object: Event['object']) => seen.events.push({ phase, object }), seen.onDone);
    expect(await seen.done).toBeNull();
    expect(seen.events.map((event) => `${event.phase} ${event.object.metadata?.name}`)).toEqual(['ADDED split', 'MODIFIED split']);
    expect(server.requests[0]).toMatchObject({ method: 'GET', url: '/api/v1/pods?watch=true&resourceVersion=5' });
    expect(server.requests[0].headers.authorization).toBe('Bearer a-token');
  });

  test('a handler that throws on one event → that event is skipped, the next ones arrive, the process goes on', async () => {
    server = await startHostileServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(['bad', 'good'].map((name) => JSON.stringify({ type: 'ADDED', object: { metadata: { name } } })).join('\n') + '\n');
    });
    const seen = recorder();
    await new ApiWatch(kubeConfigFor(server.host)).watch('/api/v1/pods', {}, (phase, object: Event['object']) => {
      if (object.metadata?.name === 'bad') throw new Error('a projection that fails on a hostile object');
      seen.events.push({ phase, object });
    }, seen.onDone);
    expect(await seen.done).toBeNull();
    expect(seen.events.map((event) => event.object.metadata?.name)).toEqual(['good']);
  });

  test('a line without end → the watch is dropped with an error naming the path and the bound', async () => {
    let written = 0;
    server = await startHostileServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const more = () => {
        while (!response.destroyed && written < 64 * 1024 * 1024 && response.write(chunk)) written += chunk.length;
        if (!response.destroyed && written < 64 * 1024 * 1024) response.once('drain', more);
      };
      response.write('{"type":"ADDED","object":{"x":"');
      more();
    });
    const seen = recorder();
    await new ApiWatch(kubeConfigFor(server.host), { maxEventBytes: 1024 * 1024 }).watch('/apis/apps/v1/deployments', {}, () => {}, seen.onDone);
    const error = (await seen.done) as Error;
    expect(error.message).toBe('a watch event of /apis/apps/v1/deployments is larger than 1 MiB; the watch was dropped and starts over');
    // Dropped near the bound, not after the server's 64 MiB.
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });

  test('list requests one after another → one kept-alive connection', async () => {
    server = await startHostileServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"items":[],"metadata":{"resourceVersion":"1"}}');
    });
    const api = new KubeApi(kubeConfigFor(server.host));
    for (let i = 0; i < 5; i++) await api.listPage('/api/v1/pods', { limit: 10 });
    expect(server.requests).toHaveLength(5);
    expect(server.connections()).toBe(1);
  });
});
