// The exporter's HTTP face: /metrics, /healthz, /readyz. Only these paths, GET or HEAD, bounded
// request headers; nothing is served from disk.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Routes = {
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Undefined when ready, otherwise why not. */
  notReadyReason(): string | undefined;
};

export type ListenAddress = { host: string | undefined; port: number };

/** ":8080" → all interfaces; "127.0.0.1:9100" → that address; "[::1]:8080" → IPv6 loopback. */
export function parseBindAddress(bindAddress: string): ListenAddress {
  const colon = bindAddress.lastIndexOf(':');
  let host = bindAddress.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host: host === '' ? undefined : host, port: Number(bindAddress.slice(colon + 1)) };
}

export async function startHttpServer(address: ListenAddress, routes: Routes): Promise<{ server: Server; port: number }> {
  const server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 30_000 }, (request, response) => {
    handle(routes, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('internal error\n');
    });
  });
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function handle(routes: Routes, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://exporter').pathname;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
    response.end('method not allowed\n');
    return;
  }
  switch (path) {
    case '/metrics': {
      const { contentType, body } = await routes.metrics();
      response.writeHead(200, { 'content-type': contentType });
      response.end(request.method === 'HEAD' ? undefined : body);
      return;
    }
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
    default:
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found\n');
  }
}
