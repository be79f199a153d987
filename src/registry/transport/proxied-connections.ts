// Connections through the proxy the environment names (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), with
// undici's proxy agent: CONNECT tunnels for HTTPS, NO_PROXY as curl reads it. Loaded only when a
// proxy is set (open-connections.ts).
//
// undici 7 has one failure mode we contain here: when the proxy closes a CONNECT without
// answering, it reconnects in a tight loop (thousands of connections a second) and the request
// ignores its abort signal. A request still unsettled shortly after its deadline takes its agent
// down with it (the other requests on that agent fail and are checked again later) and a new
// agent serves what comes next.
import { EnvHttpProxyAgent, request } from 'undici';
import type { Answer, Connections, PoolOptions, RequestInit, TlsTrust } from './connections.js';
import { streamBody } from './stream-body.js';

/** How long undici may take to settle an aborted request before its agent is replaced. */
const ABORT_GRACE_MS = 1000;

export class ProxiedConnections implements Connections {
  private agent: EnvHttpProxyAgent;

  constructor(
    private readonly pool: PoolOptions,
    private readonly trust: TlsTrust,
  ) {
    this.agent = this.newAgent();
  }

  async request(url: URL, init: RequestInit): Promise<Answer> {
    const agent = this.agent;
    const pending = request(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      dispatcher: agent,
      // undici closes the connection after every HEAD unless told otherwise (for servers that send
      // a body anyway); registries do not, and a new connection (and TLS handshake) per check
      // would cost more than the check.
      reset: init.method === 'HEAD' ? false : undefined,
      signal: init.signal,
    });
    const settled = pending.then(
      () => true,
      () => true,
    );
    const onAbort = () => {
      const grace = new Promise<boolean>((resolve) => setTimeout(resolve, ABORT_GRACE_MS, false).unref());
      void Promise.race([settled, grace]).then((done) => done || this.replace(agent));
    };
    if (init.signal.aborted) onAbort();
    else init.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const response = await pending;
      return { status: response.statusCode, headers: response.headers, body: streamBody(response.body) };
    } finally {
      init.signal.removeEventListener('abort', onAbort);
    }
  }

  async destroy(): Promise<void> {
    await this.agent.destroy();
  }

  private replace(stuck: EnvHttpProxyAgent): void {
    if (this.agent === stuck) this.agent = this.newAgent();
    void stuck.destroy().catch(() => undefined);
  }

  private newAgent(): EnvHttpProxyAgent {
    const tls = { ca: this.trust.ca, rejectUnauthorized: this.trust.rejectUnauthorized };
    // `connect` shapes direct connections (NO_PROXY), `requestTls` the TLS inside a proxy tunnel.
    return new EnvHttpProxyAgent({
      connections: this.pool.connectionsPerOrigin,
      connectTimeout: this.pool.requestTimeoutMs,
      keepAliveTimeout: this.pool.idleMs,
      maxHeaderSize: this.pool.maxHeaderBytes,
      connect: tls,
      requestTls: tls,
    });
  }
}
