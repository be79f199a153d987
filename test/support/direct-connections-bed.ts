// What the tests of the HTTP/1.1 client (src/registry/transport/direct-connections.ts) share:
// pools and servers a test opens are stopped after it (the file calls `afterEach(stopOpened)`),
// and a body is read with the transport's own bound.
import type { Server } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { AnswerBody, PoolOptions, TlsTrust } from '../../src/registry/transport/connections.js';
import { DirectConnections } from '../../src/registry/transport/direct-connections.js';

export const TEST_POOL: PoolOptions = { connectionsPerOrigin: 2, requestTimeoutMs: 5000, idleMs: 30_000, maxHeaderBytes: 64 * 1024 };

const opened: Array<() => Promise<void>> = [];

/** `stop` runs after the current test. */
export function stopAfterTest(stop: () => Promise<void>): void {
  opened.push(stop);
}

/** Stops all that the test opened; for afterEach. */
export async function stopOpened(): Promise<void> {
  await Promise.all(opened.splice(0).map((stop) => stop()));
}

/** A pool destroyed after the test. */
export function connections(pool: PoolOptions = TEST_POOL, trust: TlsTrust = { rejectUnauthorized: true }): DirectConnections {
  const pooled = new DirectConnections(pool, trust);
  stopAfterTest(() => pooled.destroy());
  return pooled;
}

/** Listens on a free loopback port; the server and every connection it accepted are closed after the test. */
export async function listen(server: Server | ReturnType<typeof createServer>, host = '127.0.0.1'): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => (sockets.add(socket), socket.on('close', () => sockets.delete(socket))));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  stopAfterTest(() => new Promise<void>((resolve) => (sockets.forEach((socket) => socket.destroy()), server.close(() => resolve()))));
  return (server.address() as AddressInfo).port;
}

export const read = (body: AnswerBody) => body.text(1024 * 1024, () => new Error('too large'));
