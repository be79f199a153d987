// The exporter's HTTP face: /metrics, /healthz, /readyz, the status page at / and its JSON twin
// /api/images. Only these paths, GET or HEAD, bounded request headers; nothing is served from disk.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Routes = {
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Undefined when ready, otherwise why not. */
  notReadyReason(): string | undefined;
  statusPage?(filter: { status?: string; namespace?: string }): string;
  imagesJson?(filter: { status?: string; namespace?: string }): unknown;
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
  const url = new URL(request.url ?? '/', 'http://exporter');
  const path = url.pathname;
  const filter = { status: url.searchParams.get('status') || undefined, namespace: url.searchParams.get('namespace') || undefined };
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
    case '/':
      if (routes.statusPage) {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'", 'x-content-type-options': 'nosniff' });
        response.end(request.method === 'HEAD' ? undefined : routes.statusPage(filter));
        return;
      }
      break;
    case '/api/images':
      if (routes.imagesJson) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(request.method === 'HEAD' ? undefined : JSON.stringify(routes.imagesJson(filter), null, 2));
        return;
      }
      break;
  }
  response.writeHead(404, { 'content-type': 'text/plain' });
  response.end('not found\n');
}
