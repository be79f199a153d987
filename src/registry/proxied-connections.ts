// Connections through the proxy the environment names (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), with
// undici's proxy agent: CONNECT tunnels for HTTPS, NO_PROXY as curl reads it. Loaded only when a
// proxy is set (connections.ts).
import { EnvHttpProxyAgent, request } from 'undici';
import type { Answer, Connections, PoolOptions, RequestInit, TlsTrust } from './connections.js';

export class ProxiedConnections implements Connections {
  private readonly agent: EnvHttpProxyAgent;

  constructor(pool: PoolOptions, trust: TlsTrust) {
    const tls = { ca: trust.ca, rejectUnauthorized: trust.rejectUnauthorized };
    // `connect` shapes direct connections (NO_PROXY), `requestTls` the TLS inside a proxy tunnel.
    this.agent = new EnvHttpProxyAgent({
      connections: pool.connectionsPerOrigin,
      connectTimeout: pool.requestTimeoutMs,
      keepAliveTimeout: pool.idleMs,
      maxHeaderSize: pool.maxHeaderBytes,
      connect: tls,
      requestTls: tls,
    });
  }

  async request(url: URL, init: RequestInit): Promise<Answer> {
    const response = await request(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      dispatcher: this.agent,
      // undici closes the connection after every HEAD unless told otherwise (for servers that send
      // a body anyway); registries do not, and a new connection (and TLS handshake) per check
      // would cost more than the check.
      reset: init.method === 'HEAD' ? false : undefined,
      signal: init.signal,
    });
    return { status: response.statusCode, headers: response.headers, body: response.body };
  }

  async destroy(): Promise<void> {
    await this.agent.destroy();
  }
}
