// How the HTTP/1.1 client of direct-connections.ts reads where one answer ends and the next begins
// on a kept-alive connection (HEAD with a length, 204, 304, 1xx, chunked with trailers, many
// headers, Connection: close), and how it connects (TLS with SNI and ALPN, IPv6 literals), each
// against a real server: node:http's own server, or raw bytes where node:http would not send them.
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTlsServer } from 'node:tls';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestInit } from '../../src/registry/transport/connections.js';
import { connections, listen, read, stopOpened, TEST_POOL } from '../support/direct-connections-bed.js';
import { createTestCa, issueCert } from '../support/test-ca.js';

afterEach(stopOpened);

/** A node:http server answering by `handler`, and how many connections it accepted. */
async function httpServer(handler: Parameters<typeof createHttpServer>[1]): Promise<{ url: string; connections(): number }> {
  let count = 0;
  const server = createHttpServer(handler);
  server.on('connection', () => count++);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, connections: () => count };
}

const init = (method: RequestInit['method'], body?: string): RequestInit => ({ method, headers: { accept: '*/*' }, body, signal: AbortSignal.timeout(5000) });

test('HEAD answered with a content-length, then 204 and 304 → no body is waited for, and the next answer on the same connection is read right', async () => {
  const server = await httpServer((request, response) => {
    if (request.method === 'HEAD') response.writeHead(200, { 'content-length': '1234', 'docker-content-digest': 'sha256:x' }).end();
    else if (request.url === '/204') response.writeHead(204).end();
    else if (request.url === '/304') response.writeHead(304, { etag: '"e"' }).end();
    else response.writeHead(200, { 'content-length': '4' }).end('body');
  });
  const pool = connections();
  const head = await pool.request(new URL(`${server.url}/m`), init('HEAD'));
  expect([head.status, head.headers['content-length'], await read(head.body)]).toEqual([200, '1234', '']);
  for (const [path, status] of [['/204', 204], ['/304', 304]] as const) {
    const answer = await pool.request(new URL(`${server.url}${path}`), init('GET'));
    expect([answer.status, await read(answer.body)]).toEqual([status, '']);
  }
  expect(await read((await pool.request(new URL(`${server.url}/m`), init('GET'))).body)).toBe('body');
  expect(server.connections()).toBe(1);
});

test('a chunked body with trailers, in many chunks → read whole; the connection is kept', async () => {
  const server = await httpServer((_request, response) => {
    response.writeHead(200, { 'transfer-encoding': 'chunked', trailer: 'x-check' });
    for (let i = 0; i < 50; i++) response.write(`part${i};`);
    response.addTrailers({ 'x-check': 'done' });
    response.end();
  });
  const pool = connections();
  for (let i = 0; i < 2; i++) expect(await read((await pool.request(new URL(`${server.url}/c`), init('GET'))).body)).toBe(Array.from({ length: 50 }, (_, j) => `part${j};`).join(''));
  expect(server.connections()).toBe(1);
});

test('a 24 MiB body asked for late → the connection waits past 64 KiB, then the body comes whole', async () => {
  const body = Buffer.alloc(24 * 1024 * 1024, 'z');
  let sent = 0;
  const server = await httpServer((_request, response) => {
    response.writeHead(200, { 'content-length': String(body.length) });
    for (let at = 0; at < body.length; at += 16 * 1024) response.write(body.subarray(at, at + 16 * 1024), () => (sent += 16 * 1024));
    response.end();
  });
  const answer = await connections().request(new URL(`${server.url}/blob`), init('GET'));
  await new Promise((resolve) => setTimeout(resolve, 300));
  // Paused: the kernel's socket buffers of both ends (a few MiB on loopback) hold some, not all of it.
  expect(sent).toBeLessThan(body.length);
  expect((await answer.body.text(32 * 1024 * 1024, () => new Error('too large'))).length).toBe(body.length);
});

test('100 headers (the parser hands them over in parts) → every one is in the answer', async () => {
  const server = await httpServer((_request, response) => {
    for (let i = 0; i < 100; i++) response.setHeader(`x-h${i}`, String(i));
    response.writeHead(200, { 'content-length': '0' }).end();
  });
  const answer = await connections().request(new URL(`${server.url}/`), init('GET'));
  expect(Array.from({ length: 100 }, (_, i) => answer.headers[`x-h${i}`])).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
});

test('an answer with Connection: close → the next request opens a new connection', async () => {
  const server = await httpServer((_request, response) => response.writeHead(200, { connection: 'close', 'content-length': '2' }).end('ok'));
  const pool = connections();
  for (let i = 0; i < 3; i++) expect(await read((await pool.request(new URL(`${server.url}/`), init('GET'))).body)).toBe('ok');
  expect(server.connections()).toBe(3);
});

test('a POST → its body goes with its content-length, in UTF-8', async () => {
  let received = '';
  const server = await httpServer((request, response) => {
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (received += chunk));
    request.on('end', () => response.writeHead(200, { 'content-length': String(Buffer.byteLength(request.headers['content-length'] ?? '')) }).end(request.headers['content-length']));
  });
  const answer = await connections().request(new URL(`${server.url}/token`), init('POST', 'scope=repository:é:pull'));
  expect([received, await read(answer.body)]).toEqual(['scope=repository:é:pull', String(Buffer.byteLength('scope=repository:é:pull'))]);
});

test('100 Continue before the answer → the answer after it is the one returned', async () => {
  const server = createServer((socket) => {
    socket.once('data', () => socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok'));
  });
  const port = await listen(server);
  const answer = await connections().request(new URL(`http://127.0.0.1:${port}/`), init('GET'));
  expect([answer.status, await read(answer.body)]).toEqual([201, 'ok']);
});

test('a kept-alive connection ended by the server just as it is reused → the HEAD is sent again on a new one', async () => {
  let requests = 0;
  const server = createServer((socket) => {
    socket.on('data', () => {
      requests++;
      // The first answer, then the connection is ended as the second request arrives.
      if (socket.bytesWritten === 0) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
      else socket.end();
    });
  });
  const port = await listen(server);
  const pool = connections();
  const url = new URL(`http://127.0.0.1:${port}/`);
  for (let i = 0; i < 2; i++) await (await pool.request(url, init('HEAD'))).body.discard();
  expect(requests).toBe(3);
});

describe('TLS', () => {
  let dir = '';
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('SNI names the host, never an address; ALPN offers http/1.1; the CA given is trusted; a second connection resumes the session', async () => {
    dir = await mkdtemp(join(tmpdir(), 'direct-tls-'));
    const ca = await createTestCa(dir);
    const cert = await issueCert(ca, 'server', 'server');
    const seen: Array<{ servername: string | false | null; alpn: string | false | null; resumed: boolean }> = [];
    const server = createTlsServer({ cert: cert.certPem, key: cert.keyPem, ALPNProtocols: ['http/1.1'] }, (socket) => {
      seen.push({ servername: socket.servername, alpn: socket.alpnProtocol, resumed: socket.isSessionReused() });
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok'));
    });
    const port = await listen(server);
    const pool = connections(TEST_POOL, { ca: [ca.caPem], rejectUnauthorized: true });
    for (const host of ['localhost', 'localhost', '127.0.0.1']) expect(await read((await pool.request(new URL(`https://${host}:${port}/v2/`), init('GET'))).body)).toBe('ok');
    expect(seen).toEqual([
      { servername: 'localhost', alpn: 'http/1.1', resumed: false },
      { servername: 'localhost', alpn: 'http/1.1', resumed: true },
      { servername: false, alpn: 'http/1.1', resumed: false },
    ]);
    await expect(connections().request(new URL(`https://localhost:${port}/v2/`), init('GET'))).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  test('HTTPS to a plain HTTP server → ERR_SSL_WRONG_VERSION_NUMBER or ERR_SSL_PACKET_LENGTH_TOO_LONG, as Node names it', async () => {
    const server = await httpServer((_request, response) => response.end());
    const url = new URL(server.url.replace('http:', 'https:'));
    await expect(connections().request(url, init('HEAD'))).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_SSL_(WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG)$/) });
  });
});

test('an IPv6 literal → the connection goes to that address, the Host header keeps its brackets', async () => {
  let host: string | undefined;
  const server = createHttpServer((request, response) => ((host = request.headers.host), response.writeHead(200, { 'content-length': '0' }).end()));
  const port = await listen(server, '::1').catch(() => undefined);
  if (port === undefined) return console.warn('no IPv6 loopback here: the IPv6 case was not run');
  const answer = await connections().request(new URL(`http://[::1]:${port}/v2/`), init('GET'));
  expect([answer.status, host]).toEqual([200, `[::1]:${port}`]);
});
