// Direct connections (src/registry/transport/direct-connections.ts): keep-alive reuse
// against the real registry, and the cases a real registry does not produce on demand (a
// connection closed as it is reused, long idles, repeated headers) against the hand-written
// server of test/support/hostile-server.ts.
import type { IncomingMessage } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import type { RequestInit } from '../../src/registry/transport/connections.js';
import { proxyInEnvironment } from '../../src/registry/transport/open-connections.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { connections, stopAfterTest, stopOpened, TEST_POOL } from '../support/direct-connections-bed.js';
import { startHostileServer, type HostileServer } from '../support/hostile-server.js';
import { startRegistry } from '../support/registry.js';

afterEach(stopOpened);

async function serve(handler: Parameters<typeof startHostileServer>[0]): Promise<HostileServer> {
  const server = await startHostileServer(handler);
  stopAfterTest(() => server.stop());
  return server;
}

const init = (method: RequestInit['method'], body?: string): RequestInit => ({ method, headers: {}, body, signal: AbortSignal.timeout(5000) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How many requests the connection of `request` has carried, this one included. */
const carried = new WeakMap<Socket, number>();
function countOnConnection(request: IncomingMessage): number {
  const count = (carried.get(request.socket) ?? 0) + 1;
  carried.set(request.socket, count);
  return count;
}

/** A TCP forwarder to `target` that counts the connections made through it (the real registry keeps no count). */
async function countingForwarder(target: string): Promise<{ host: string; connections: () => number }> {
  const [targetHost, targetPort] = target.split(':');
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    count++;
    const upstream = connect(Number(targetPort), targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stopAfterTest(
    () =>
      new Promise<void>((resolve) => {
        sockets.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      }),
  );
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => count };
}

test('real registry: its HEAD answers keep the connection → 20 checks after the first share one connection', async () => {
  const registry = await startRegistry({ auth: 'none' });
  stopAfterTest(() => registry.stop());
  await registry.pushImage('team/app', 'v1');
  const forwarder = await countingForwarder(registry.host);
  const client = new RegistryClient({ requestTimeoutMs: 5000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [forwarder.host], connectionsPerOrigin: 2, userAgent: 't' });
  stopAfterTest(() => client.close());
  const reference = parseReference(`${forwarder.host}/team/app:v1`);
  // The first check also finds the scheme (HTTPS tried first, on a connection of its own).
  expect((await client.check(reference, [])).status).toBe('available');
  const settled = forwarder.connections();
  for (let i = 0; i < 20; i++) expect((await client.check(reference, [])).status).toBe('available');
  expect(forwarder.connections()).toBe(settled);
});

test('a kept-alive connection the server closes as it is reused → the HEAD is sent again on a new connection', async () => {
  const server = await serve((request, response) => {
    if (countOnConnection(request) > 1) return request.socket.destroy();
    response.writeHead(200, { 'content-length': '10' }).end();
  });
  const pool = connections();
  const url = new URL(`http://${server.host}/v2/team/app/manifests/v1`);
  for (let i = 0; i < 2; i++) {
    const answer = await pool.request(url, init('HEAD'));
    expect(answer.status).toBe(200);
    await answer.body.discard();
  }
  expect(server.requests).toHaveLength(3);
  expect(server.connections()).toBe(2);
});

test('… a POST (a token exchange, its body may hold a secret) is not sent twice: it fails', async () => {
  const server = await serve((request, response) => {
    if (countOnConnection(request) > 1) return request.socket.destroy();
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-length': '2' }).end('{}'));
  });
  const pool = connections();
  const url = new URL(`http://${server.host}/token`);
  const first = await pool.request(url, init('POST', 'grant_type=password'));
  await first.body.discard();
  await expect(pool.request(url, init('POST', 'grant_type=password'))).rejects.toMatchObject({ code: 'ECONNRESET' });
  expect(server.requests.filter((request) => request.method === 'POST')).toHaveLength(2);
});

test('an answer slower than the idle limit still arrives; an idle connection is closed after the limit', async () => {
  const server = await serve((_request, response) => {
    setTimeout(() => response.writeHead(200, { 'content-length': '2' }).end('ok'), 600);
  });
  const pool = connections({ ...TEST_POOL, idleMs: 200 });
  const url = new URL(`http://${server.host}/v2/`);
  const slow = await pool.request(url, init('GET'));
  expect(slow.status).toBe(200);
  await slow.body.discard();
  await sleep(500);
  await (await pool.request(url, init('GET'))).body.discard();
  expect(server.connections()).toBe(2);
});

test('a header sent two or three times → an array of all, in order; once → a string', async () => {
  const server = await serve((_request, response) => {
    response.setHeader('www-authenticate', ['Basic realm="a"', 'Bearer realm="https://auth/token"', 'Bearer realm="https://other/token"']);
    response.setHeader('docker-content-digest', `sha256:${'a'.repeat(64)}`);
    response.writeHead(401, { 'content-length': '0' }).end();
  });
  const answer = await connections().request(new URL(`http://${server.host}/v2/`), init('GET'));
  expect(answer.headers['www-authenticate']).toEqual(['Basic realm="a"', 'Bearer realm="https://auth/token"', 'Bearer realm="https://other/token"']);
  expect(answer.headers['docker-content-digest']).toBe(`sha256:${'a'.repeat(64)}`);
});

test('a body nobody reads: a small one is read to its end and the connection reused; one over 128 KiB closes it', async () => {
  const server = await serve((request, response) => {
    const body = Buffer.alloc(request.url === '/large' ? 1024 * 1024 : 100, 'x');
    response.writeHead(200, { 'content-length': String(body.length) }).end(body);
  });
  const pool = connections();
  for (let i = 0; i < 3; i++) await (await pool.request(new URL(`http://${server.host}/small`), init('GET'))).body.discard();
  expect(server.connections()).toBe(1);
  await (await pool.request(new URL(`http://${server.host}/large`), init('GET'))).body.discard();
  await (await pool.request(new URL(`http://${server.host}/small`), init('GET'))).body.discard();
  expect(server.connections()).toBe(2);
});

test('answer headers over the limit → the request fails, nothing is buffered beyond it', async () => {
  const server = await serve((_request, response) => response.writeHead(200, { 'x-filler': 'y'.repeat(8 * 1024) }).end());
  const pool = connections({ ...TEST_POOL, maxHeaderBytes: 4 * 1024 });
  await expect(pool.request(new URL(`http://${server.host}/v2/`), init('GET'))).rejects.toMatchObject({ code: 'HPE_HEADER_OVERFLOW' });
});

test.each([
  [{}, false],
  [{ HTTPS_PROXY: 'http://proxy:3128' }, true],
  [{ http_proxy: 'http://proxy:3128' }, true],
  [{ HTTPS_PROXY: '' }, false],
  [{ NO_PROXY: '*' }, false],
])('proxy in the environment %j → %s (undici loaded only then)', (env, expected) => {
  expect(proxyInEnvironment(env)).toBe(expected);
});
