// The baseline of the client CPU case (cases/client-cpu.ts): connections through Node's own http
// and https modules, as the exporter made them before it spoke HTTP/1.1 itself
// (src/registry/transport/direct-connections.ts): one keep-alive pool per scheme for one trust setting. A request that fails on a kept-alive connection before any answer is sent again
// once on a new one, as Node's documentation advises: the server may have closed the connection
// just as it was reused. Requests with a body (token exchanges) are never sent twice.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Answer, Connections, PoolOptions, RequestInit, TlsTrust } from '../../src/registry/transport/connections.js';
import { headersOf } from '../../src/registry/transport/http1-connection.js';
import { streamBody } from '../../src/registry/transport/stream-body.js';
import { withTlsCode } from '../../src/registry/transport/tls-code.js';

const STALE_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE']);

export class NodeConnections implements Connections {
  private readonly plain: HttpAgent;
  private readonly secure: HttpsAgent;

  constructor(
    private readonly pool: PoolOptions,
    trust: TlsTrust,
  ) {
    // `timeout` closes a connection that has idled that long in the pool; a busy one is governed
    // by the request's deadline. `lifo` reuses the warmest connection, so the rest can idle out.
    const common = { keepAlive: true, maxSockets: pool.connectionsPerOrigin, timeout: pool.idleMs, scheduling: 'lifo' as const };
    this.plain = new HttpAgent(common);
    this.secure = new HttpsAgent({ ...common, ca: trust.ca, rejectUnauthorized: trust.rejectUnauthorized });
  }

  request(url: URL, init: RequestInit): Promise<Answer> {
    return this.send(url, init, init.body === undefined);
  }

  async destroy(): Promise<void> {
    this.plain.destroy();
    this.secure.destroy();
  }

  private send(url: URL, init: RequestInit, mayResend: boolean): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const secure = url.protocol === 'https:';
      const headers = init.body === undefined ? init.headers : { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) };
      const request = (secure ? httpsRequest : httpRequest)(url, {
        method: init.method,
        headers,
        agent: secure ? this.secure : this.plain,
        signal: init.signal,
        maxHeaderSize: this.pool.maxHeaderBytes,
      });
      request.once('response', (response) => {
        resolve({ status: response.statusCode ?? 0, headers: headersOf(response.rawHeaders), body: streamBody(response) });
      });
      // `on`, not `once`: an error after the answer (the body cut off) is the body's to report, and must not go unheard.
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (mayResend && request.reusedSocket && STALE_CONNECTION_CODES.has(error.code ?? '') && !init.signal.aborted) resolve(this.send(url, init, false));
        else reject(withTlsCode(error));
      });
      request.end(init.body);
    });
  }
}
