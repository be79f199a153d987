// A hand-written misbehaving registry, for the cases no real registry produces on demand:
// huge or dripping bodies, redirect loops, broken challenges, 429 storms, resets. Each test
// gives it a handler; every request is recorded. Real registries cover the honest cases.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type RecordedRequest = { method: string; url: string; headers: IncomingMessage['headers'] };

export type HostileServer = {
  host: string;
  requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  connections(): number;
  stop(): Promise<void>;
};

export async function startHostileServer(handler: (request: IncomingMessage, response: ServerResponse, host: string) => void): Promise<HostileServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let host = '';
  const server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    handler(request, response, host);
  });
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    requests,
    connections: () => connections,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
