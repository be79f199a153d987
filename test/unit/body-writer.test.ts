// An in-memory body written ahead of the client (up to 256 KiB queued before waiting): a real HTTP
// server on loopback with a body far larger than the kernel's socket buffers.
import { connect } from 'node:net';
import { DEFAULT_LIMITS, startHttpServer } from '../../src/http/server.js';

const CHUNK = Buffer.alloc(64 * 1024, 'x');
const CHUNKS = 1024; // 64 MiB: more than loopback's socket buffers hold
const IDLE_MS = 1000;

describe('an in-memory body written ahead', () => {
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  const released: number[] = [];
  beforeAll(async () => {
    const chunks = Array.from({ length: CHUNKS }, () => CHUNK);
    server = await startHttpServer(
      { host: '127.0.0.1', port: 0 },
      {
        metrics: async () => ({ contentType: 'text/plain', chunks, length: CHUNK.length * CHUNKS, inMemory: true, release: () => released.push(Date.now()) }),
        notReadyReason: () => undefined,
      },
      { ...DEFAULT_LIMITS, idleTimeoutMs: IDLE_MS },
    );
  });
  afterAll(() => new Promise<void>((resolve) => {
    server.server.close(() => resolve());
    server.server.closeAllConnections();
  }));

  /** Sends GET /metrics, reads nothing for `pauseMs`, then reads to the end; the body bytes it got. */
  function client(pauseMs: number): Promise<{ body: number }> {
    const socket = connect(server.port, '127.0.0.1', () => socket.write('GET /metrics HTTP/1.1\r\nHost: exporter\r\nConnection: close\r\n\r\n'));
    socket.pause();
    socket.on('error', () => {});
    let head = Buffer.alloc(0);
    let body = -1;
    socket.on('data', (chunk: Buffer) => {
      if (body >= 0) return void (body += chunk.length);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end >= 0) body = head.length - end - 4;
    });
    setTimeout(() => socket.resume(), pauseMs);
    return new Promise((resolve) => socket.once('close', () => resolve({ body })));
  }

  test('a client that pauses for less than the idle timeout gets the whole body', async () => {
    const { body } = await client(IDLE_MS / 2);
    expect(body).toBe(CHUNK.length * CHUNKS);
  }, 30_000);

  test('a client that does not read for the idle timeout is cut off and its body released', async () => {
    const before = released.length;
    const started = Date.now();
    const { body } = await client(4 * IDLE_MS);
    expect(body).toBeLessThan((CHUNK.length * CHUNKS) / 2);
    expect(released.length).toBe(before + 1);
    expect(released[released.length - 1] - started).toBeLessThan(4 * IDLE_MS);
  }, 30_000);
});
