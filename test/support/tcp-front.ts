// A front for a real registry on another loopback port: every connection is piped to it as is,
// either in plain TCP (the registry seen under another host:port) or after a TLS handshake with a
// given certificate (an expired one, one for another name), so that the certificate is the only
// thing a client meets that differs from the registry behind.
import { connect, createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

export type TcpFront = { host: string; stop(): Promise<void> };

export async function startTcpFront(target: string, tls?: { certPem: string; keyPem: string }): Promise<TcpFront> {
  const [targetHost, targetPort] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const sockets = new Set<Socket>();
  const pipe = (client: Socket) => {
    const upstream = connect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  };
  const server: Server = tls ? createTlsServer({ cert: tls.certPem, key: tls.keyPem }, pipe) : createTcpServer(pipe);
  // A refused handshake is the point of a TLS front; it must not end the test process.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
