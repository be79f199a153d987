// A deliberately slow registry: a small node HTTP proxy that waits `delayMs` before forwarding each
// request to a real registry and streaming its answer back. Each one listens on its own port, so
// the exporter sees it as a registry host of its own, with real manifests behind it.
import { createServer, request as httpRequest, Agent, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type SlowRegistry = { host: string; stop(): Promise<void> };

export async function startSlowRegistry(upstreamHost: string, delayMs: number): Promise<SlowRegistry> {
  const [upstreamName, upstreamPort] = upstreamHost.split(':');
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const sockets = new Set<Socket>();
  const server: Server = createServer((incoming, outgoing) => {
    const timer = setTimeout(() => {
      const forwarded = httpRequest(
        { host: upstreamName, port: Number(upstreamPort), method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: upstreamHost }, agent },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forwarded.on('error', () => {
        if (!outgoing.headersSent) outgoing.writeHead(502);
        outgoing.end();
      });
      incoming.pipe(forwarded);
    }, delayMs);
    outgoing.on('close', () => clearTimeout(timer));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
