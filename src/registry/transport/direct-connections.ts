// Connections straight to the server, plain or TLS: one keep-alive pool per origin
// (origin-pool.ts), each connection speaking HTTP/1.1 itself (http1-connection.ts). A request
// that fails on a kept-alive connection before any answer is sent again once on a new one, as
// Node's documentation advises for its own client: the server may have closed the connection just
// as it was reused. Requests with a body (token exchanges) are never sent twice.
import { createRequire } from 'node:module';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { Answer, Connections, PoolOptions, RequestInit, TlsTrust } from './connections.js';
import { OriginPool } from './origin-pool.js';
import { withTlsCode } from './tls-code.js';

const STALE_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE']);

/** Node's header rules (ERR_INVALID_CHAR): a value with a line break could smuggle another header. */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const VALID_NAME = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;

/** node:tls through require, and only when a TLS connection is made: its ES module namespace builds every root certificate as a string. */
function tls(): typeof import('node:tls') {
  return createRequire(import.meta.url)('node:tls') as typeof import('node:tls');
}

export class DirectConnections implements Connections {
  private readonly pools = new Map<string, OriginPool>();
  private destroyed = false;
  /** Built once: a context per connection would parse every trusted certificate again. */
  private secureContext?: SecureContext;

  constructor(
    private readonly pool: PoolOptions,
    private readonly trust: TlsTrust,
  ) {}

  request(url: URL, init: RequestInit): Promise<Answer> {
    let request: string | Buffer;
    try {
      request = requestBytes(url, init);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.send(this.poolFor(url), request, init, init.body === undefined);
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    for (const pool of this.pools.values()) pool.destroy();
    this.pools.clear();
  }

  private async send(pool: OriginPool, request: string | Buffer, init: RequestInit, mayResend: boolean): Promise<Answer> {
    const connection = await pool.acquire(init.signal);
    const reused = connection.carried > 0;
    try {
      return await connection.send(request, init.method === 'HEAD', init.signal);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (mayResend && reused && STALE_CONNECTION_CODES.has(code) && !init.signal.aborted) return this.send(pool, request, init, false);
      throw withTlsCode(error as NodeJS.ErrnoException);
    }
  }

  private poolFor(url: URL): OriginPool {
    const origin = `${url.protocol}//${url.host}`;
    let pool = this.pools.get(origin);
    if (!pool) {
      const secure = url.protocol === 'https:';
      // An IPv6 literal comes bracketed in a URL, bare in a socket address.
      const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      const port = Number(url.port) || (secure ? 443 : 80);
      pool = new OriginPool(this.pool, secure ? this.tlsConnector(host, port) : () => connectTcp({ host, port, noDelay: true }));
      // After destroy() a pool is made only to refuse the request.
      if (this.destroyed) pool.destroy();
      else this.pools.set(origin, pool);
    }
    return pool;
  }

  /** TLS with SNI (for a name, never an address), ALPN http/1.1 and the last session resumed, as Node's https agent does. */
  private tlsConnector(host: string, port: number): () => Socket {
    let session: Buffer | undefined;
    return () => {
      const { connect, createSecureContext } = tls();
      this.secureContext ??= createSecureContext({ ca: this.trust.ca });
      const socket = connect({
        host,
        port,
        servername: isIP(host) ? undefined : host,
        ALPNProtocols: ['http/1.1'],
        secureContext: this.secureContext,
        rejectUnauthorized: this.trust.rejectUnauthorized,
        session,
      });
      socket.setNoDelay(true);
      socket.on('session', (ticket: Buffer) => (session = ticket));
      socket.once('error', () => (session = undefined));
      return socket;
    };
  }
}

/** The request line, headers and body as they go on the wire: one string unless a body needs UTF-8. */
function requestBytes(url: URL, init: RequestInit): string | Buffer {
  let head = `${init.method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const name in init.headers) {
    const value = init.headers[name];
    if (!VALID_NAME.test(name)) throw Object.assign(new TypeError(`Header name must be a valid HTTP token ["${name}"]`), { code: 'ERR_INVALID_HTTP_TOKEN' });
    if (INVALID_VALUE.test(value)) throw Object.assign(new TypeError(`Invalid character in header content ["${name}"]`), { code: 'ERR_INVALID_CHAR' });
    head += `${name}: ${value}\r\n`;
  }
  if (init.body === undefined) return `${head}\r\n`;
  const body = Buffer.from(init.body);
  return Buffer.concat([Buffer.from(`${head}content-length: ${body.length}\r\n\r\n`, 'latin1'), body]);
}
