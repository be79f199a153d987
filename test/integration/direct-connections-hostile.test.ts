// The HTTP/1.1 client of direct-connections.ts against servers that write raw bytes: answers no
// real registry gives on demand (garbage, an endless header, a body that never ends, a body cut
// short, two answers to one request), and the pool's own bounds (connections per origin, abort
// while waiting). Every server here is a real TCP server on loopback.
import { createServer, type Socket } from 'node:net';
import type { RequestInit } from '../../src/registry/transport/connections.js';
import { DirectConnections } from '../../src/registry/transport/direct-connections.js';
import { connections as openConnections, listen, read, stopOpened, TEST_POOL } from '../support/direct-connections-bed.js';

const POOL = { ...TEST_POOL, maxHeaderBytes: 16 * 1024 };
afterEach(stopOpened);

const connections = (pool = POOL) => openConnections(pool);

type Raw = { url: URL; connections(): number; requests: string[]; bytesWritten(): number; closed(): number };

/** A TCP server that hands each request's head (up to its blank line) and its socket to `answer`. */
async function rawServer(answer: (socket: Socket, request: string, index: number) => void): Promise<Raw> {
  const requests: string[] = [];
  let opened = 0;
  let closed = 0;
  let written = 0;
  const server = createServer((socket) => {
    opened++;
    socket.on('close', () => closed++);
    socket.on('error', () => undefined);
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const request = pending.slice(0, end);
        pending = pending.slice(end + 4);
        requests.push(request);
        answer(socket, request, requests.length);
      }
    });
    const write = socket.write.bind(socket);
    socket.write = ((data: string | Buffer, ...rest: never[]) => ((written += data.length), write(data, ...rest))) as typeof socket.write;
  });
  const port = await listen(server);
  return { url: new URL(`http://127.0.0.1:${port}/v2/team/app/manifests/v1`), connections: () => opened, requests, bytesWritten: () => written, closed: () => closed };
}

const init = (method: RequestInit['method'], signal = AbortSignal.timeout(5000), headers: Record<string, string> = {}): RequestInit => ({ method, headers, signal });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('garbage instead of an answer → the request fails with the parser\'s code, the connection is closed', async () => {
  const server = await rawServer((socket) => socket.write('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
  await expect(connections().request(server.url, init('HEAD'))).rejects.toMatchObject({ code: expect.stringMatching(/^HPE_/), message: expect.stringMatching(/^Parse Error: /) });
  await sleep(50);
  expect(server.closed()).toBe(1);
});

test('an endless header → fails with HPE_HEADER_OVERFLOW once the limit is passed; the rest is never read', async () => {
  const server = await rawServer((socket) => {
    socket.write('HTTP/1.1 200 OK\r\nx-filler: ');
    const drip = setInterval(() => (socket.destroyed ? clearInterval(drip) : socket.write('y'.repeat(4096))), 5);
  });
  await expect(connections().request(server.url, init('GET'))).rejects.toMatchObject({ code: 'HPE_HEADER_OVERFLOW' });
  await sleep(100);
  expect(server.closed()).toBe(1);
  expect(server.bytesWritten()).toBeLessThan(POOL.maxHeaderBytes + 64 * 1024);
});

test('a body that never ends → the request\'s signal ends it: the read fails as aborted and the connection is closed', async () => {
  const server = await rawServer((socket) => {
    socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n');
    const drip = setInterval(() => (socket.destroyed ? clearInterval(drip) : socket.write('1\r\nx\r\n')), 10);
  });
  const answer = await connections().request(server.url, init('GET', AbortSignal.timeout(300)));
  expect(answer.status).toBe(200);
  await expect(read(answer.body)).rejects.toMatchObject({ name: 'AbortError' });
  await sleep(50);
  expect(server.closed()).toBe(1);
});

test.each([
  ['content-length', 'HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789'],
  ['chunked', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\na\r\n0123456789\r\n'],
])('a %s body cut short by the server → the read fails with ECONNRESET "aborted"', async (_framing, answer) => {
  const server = await rawServer((socket) => socket.end(answer));
  const reply = await connections().request(server.url, init('GET'));
  await expect(read(reply.body)).rejects.toMatchObject({ code: 'ECONNRESET', message: 'aborted' });
});

test('a body delimited by the end of the connection (no length, no chunks) → read whole', async () => {
  const server = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n{"token":"t"}'));
  const reply = await connections().request(server.url, init('GET'));
  expect(await read(reply.body)).toBe('{"token":"t"}');
});

test('two answers to one request → the second belongs to no request: the connection is closed, the next request gets a new one', async () => {
  const answer = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
  const server = await rawServer((socket, _request, index) => socket.write(index === 1 ? answer + answer : answer));
  const pool = connections();
  expect(await read((await pool.request(server.url, init('GET'))).body)).toBe('ok');
  expect(await read((await pool.request(server.url, init('GET'))).body)).toBe('ok');
  expect(server.connections()).toBe(2);
});

test('a server that closes before answering a new connection → ECONNRESET "socket hang up", sent once only', async () => {
  const server = await rawServer((socket) => socket.destroy());
  await expect(connections().request(server.url, init('HEAD'))).rejects.toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' });
  expect(server.requests).toHaveLength(1);
});

test('a kept-alive connection the server ends gracefully while idle → the next request opens a new one, no failure', async () => {
  const server = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'));
  const pool = connections();
  for (let i = 0; i < 3; i++) {
    await (await pool.request(server.url, init('HEAD'))).body.discard();
    await sleep(20);
  }
  expect(server.connections()).toBe(3);
  expect(server.requests).toHaveLength(3);
});

test('more requests at once than connections per origin → at most that many connections, every request answered', async () => {
  const server = await rawServer((socket) => setTimeout(() => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'), 20));
  const pool = connections();
  const bodies = await Promise.all(Array.from({ length: 8 }, async () => read((await pool.request(server.url, init('GET'))).body)));
  expect(bodies).toEqual(Array(8).fill('ok'));
  expect(server.connections()).toBe(POOL.connectionsPerOrigin);
});

test('a request waiting for a busy pool is aborted by its signal → it fails as aborted, never sent; the pool still serves', async () => {
  const server = await rawServer((socket, _request, index) => {
    if (index > 1) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
  });
  const pool = connections({ ...POOL, connectionsPerOrigin: 1 });
  const stuck = pool.request(server.url, init('HEAD', AbortSignal.timeout(400)));
  const waiting = pool.request(server.url, init('HEAD', AbortSignal.timeout(100)));
  await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  await expect(stuck).rejects.toMatchObject({ name: 'AbortError' });
  expect(server.requests).toHaveLength(1);
  expect((await pool.request(server.url, init('HEAD'))).status).toBe(200);
});

test('a header value with a line break → refused before anything is sent (no header smuggling)', async () => {
  const server = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'));
  const request = connections().request(server.url, init('GET', undefined, { authorization: 'Bearer t\r\nx-evil: 1' }));
  await expect(request).rejects.toMatchObject({ code: 'ERR_INVALID_CHAR' });
  expect(server.connections()).toBe(0);
});

test('destroy() with a request in flight on a kept-alive connection → it fails at once and is not sent again; a later request fails too', async () => {
  const server = await rawServer((socket, _request, index) => {
    if (index === 1) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
  });
  const pool = new DirectConnections(POOL, { rejectUnauthorized: true });
  await (await pool.request(server.url, init('HEAD'))).body.discard();
  const inFlight = pool.request(server.url, init('HEAD'));
  await sleep(50);
  await pool.destroy();
  await expect(inFlight).rejects.toMatchObject({ code: 'ECONNRESET' });
  await expect(pool.request(server.url, init('HEAD'))).rejects.toMatchObject({ code: 'ECONNRESET' });
  expect(server.requests).toHaveLength(2);
});
