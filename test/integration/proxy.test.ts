// Registry traffic honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY, through a small CONNECT proxy of
// ours (test/support/connect-proxy.ts, a hand-written stand-in) to the real registry.
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

describe('proxies from the environment', () => {
  let registry: TestRegistry;
  let proxy: ConnectProxy;
  let proxyUrl: string;
  let tunnels: string[];
  const saved = { ...process.env };

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'none', tls: true });
    await registry.pushImage('team/app', 'v1');
    proxy = await startConnectProxy();
    ({ url: proxyUrl, tunnels } = proxy);
  });

  afterEach(() => {
    for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    tunnels.length = 0;
  });

  afterAll(async () => {
    await proxy.stop();
    await registry.stop();
  });

  const check = async (requestTimeoutMs = 3000) => {
    const client = new RegistryClient({ requestTimeoutMs, caFiles: [registry.caFile!], insecureSkipVerifyHosts: [], plainHttpHosts: [], connectionsPerOrigin: 2, userAgent: 't' });
    try {
      return await client.check(parseReference(`${registry.host}/team/app:v1`), []);
    } finally {
      await client.close();
    }
  };

  test('HTTPS_PROXY: the check tunnels through the proxy', async () => {
    process.env.HTTPS_PROXY = proxyUrl;
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    const result = await check();
    expect(result).toMatchObject({ status: 'available' });
    expect(tunnels).toContain(registry.host);
  });

  test('NO_PROXY: the registry is reached directly', async () => {
    process.env.HTTPS_PROXY = proxyUrl;
    process.env.NO_PROXY = '127.0.0.1';
    expect((await check()).status).toBe('available');
    expect(tunnels).toEqual([]);
  });

  test('a proxy that closes the CONNECT without answering → registry_unavailable at the time limit, and its connection storm stops', async () => {
    // undici 7 reconnects to such a proxy in a tight loop and ignores the request's deadline
    // (src/registry/transport/proxied-connections.ts replaces the agent once the deadline has passed).
    let connections = 0;
    const silent = createServer();
    silent.on('connection', (socket: Socket) => {
      connections++;
      socket.on('error', () => socket.destroy());
    });
    silent.on('connect', (_request, socket: Socket) => socket.destroy());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      process.env.HTTPS_PROXY = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      delete process.env.NO_PROXY;
      delete process.env.no_proxy;
      const started = performance.now();
      const result = await check(1000);
      expect(result).toMatchObject({ status: 'registry_unavailable', failure: 'timeout' });
      // One deadline (1 s) and the grace after it: the registry is not listed as plain HTTP, so only HTTPS is tried.
      expect(performance.now() - started).toBeLessThan(5000);
      const afterCheck = connections;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(connections - afterCheck).toBeLessThan(5);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  test('a proxy that is down → registry_unavailable', async () => {
    process.env.HTTPS_PROXY = 'http://127.0.0.1:1';
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    expect((await check()).status).toBe('registry_unavailable');
  });
});
