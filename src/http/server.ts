// The exporter's HTTP face: /metrics, /healthz, /readyz, the status page at / and its JSON twin
// /api/images. Only these paths, GET or HEAD, bounded request headers; nothing is served from disk.
// Whoever reaches the port may be hostile or just slow, so: bodies are shared buffers (see
// shared-render.ts) or one bounded page, written with backpressure; a client that reads nothing
// for `idleTimeoutMs` is closed, so is a response not sent within `responseDeadlineMs`;
// connections and the bytes of pages being sent are capped.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseImageQuery, type ImageQuery } from './image-query.js';
import { writeBody } from './body-writer.js';

export type Body = {
  contentType: string;
  /** Made lazily when async (decompressed as the socket drains). */
  chunks: Iterable<Buffer> | AsyncIterable<Buffer>;
  /** The bytes the chunks add up to: the Content-Length. */
  length: number;
  headers?: Record<string, string>;
  /** Called once the response is over (sent, failed or closed): a shared body may be dropped. */
  release?(): void;
  /** The chunks are in memory for other responses anyway: several may be queued before waiting for the client. */
  inMemory?: boolean;
};

export type Routes = {
  metrics(acceptsGzip: boolean): Promise<Body>;
  /** Undefined when ready, otherwise why not. */
  notReadyReason(): string | undefined;
  /** Undefined when too many pages wait to be rendered already. */
  statusPage?(query: ImageQuery): Promise<Body | undefined>;
  imagesJson?(query: ImageQuery): Promise<Body | undefined>;
  /** Small fixed files by path (the status page's stylesheet and script). */
  assets?: ReadonlyMap<string, Body>;
};

export type ServerLimits = {
  /** A response whose client read nothing for this long (its socket did not drain) is closed. */
  idleTimeoutMs: number;
  /** A response still being sent after this long is cut off. */
  responseDeadlineMs: number;
  maxConnections: number;
  /** Page bytes (status page, /api/images) being sent at once; beyond it, 503 until some are done. */
  pageBytesInFlight: number;
};

export const DEFAULT_LIMITS: ServerLimits = {
  idleTimeoutMs: 10_000,
  responseDeadlineMs: 60_000,
  maxConnections: 256,
  pageBytesInFlight: 32 * 1024 * 1024,
};

/** Bytes of an in-memory body queued for a client before waiting for its socket to drain. */
const IN_MEMORY_AHEAD_BYTES = 256 * 1024;

export type ListenAddress = { host: string | undefined; port: number };

/** ":8080" → all interfaces; "127.0.0.1:9100" → that address; "[::1]:8080" → IPv6 loopback. */
export function parseBindAddress(bindAddress: string): ListenAddress {
  const colon = bindAddress.lastIndexOf(':');
  let host = bindAddress.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host: host === '' ? undefined : host, port: Number(bindAddress.slice(colon + 1)) };
}

export async function startHttpServer(address: ListenAddress, routes: Routes, limits: ServerLimits = DEFAULT_LIMITS): Promise<{ server: Server; port: number }> {
  const pages = { bytes: 0 };
  const server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 30_000 }, (request, response) => {
    const deadline = setTimeout(() => response.destroy(), limits.responseDeadlineMs);
    response.once('close', () => clearTimeout(deadline));
    handle(routes, limits, pages, request, response).catch(() => {
      if (response.headersSent) return void response.destroy();
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('internal error: see the exporter log\n');
    });
  });
  server.headersTimeout = 10_000;
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function handle(routes: Routes, limits: ServerLimits, pages: { bytes: number }, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://exporter');
  const path = url.pathname;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
    response.end('method not allowed: use GET or HEAD\n');
    return;
  }
  const head = request.method === 'HEAD';
  switch (path) {
    case '/metrics':
      return send(response, await routes.metrics(/\bgzip\b/i.test(String(request.headers['accept-encoding'] ?? ''))), head, limits.idleTimeoutMs);
    case '/healthz':
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('ok\n');
      return;
    case '/readyz': {
      const reason = routes.notReadyReason();
      response.writeHead(reason ? 503 : 200, { 'content-type': 'text/plain' });
      response.end(reason ? `not ready: ${reason}\n` : 'ok\n');
      return;
    }
    case '/':
    case '/api/images': {
      const page = path === '/' ? routes.statusPage : routes.imagesJson;
      if (!page) {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end(`not found: ${path} is turned off here (--status-page=false, chart: statusPage); the exporter serves /metrics, /healthz and /readyz\n`);
        return;
      }
      if (pages.bytes >= limits.pageBytesInFlight) {
        response.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' });
        response.end('busy: too many pages are being sent right now; retry in a few seconds, or ask for fewer images per page (limit=)\n');
        return;
      }
      const body = await page(parseImageQuery(url.searchParams));
      if (!body) {
        response.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' });
        response.end('busy: too many status pages are waiting to be rendered (scrapes of /metrics go first); retry in a few seconds\n');
        return;
      }
      const bytes = body.length;
      pages.bytes += bytes;
      whenClosed(response, () => (pages.bytes -= bytes));
      return send(response, body, head, limits.idleTimeoutMs);
    }
  }
  const asset = routes.assets?.get(path);
  if (asset) return send(response, asset, head, limits.idleTimeoutMs);
  response.writeHead(404, { 'content-type': 'text/plain' });
  response.end(`not found: the exporter serves ${routes.statusPage ? '/, /api/images, ' : ''}/metrics, /healthz and /readyz\n`);
}

function send(response: ServerResponse, body: Body, head: boolean, idleTimeoutMs: number): Promise<void> | undefined {
  if (body.release) whenClosed(response, body.release);
  response.writeHead(200, { 'content-type': body.contentType, 'content-length': String(body.length), ...body.headers });
  if (head) response.end();
  else return writeBody(response, body.chunks, idleTimeoutMs, body.inMemory ? IN_MEMORY_AHEAD_BYTES : 0);
}

/** Runs `then` once the response is over, also when the client left while its body was rendered. */
function whenClosed(response: ServerResponse, then: () => void): void {
  if (response.destroyed || response.socket === null || response.socket.destroyed) then();
  else response.once('close', then);
}
