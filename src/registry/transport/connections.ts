// How the transport reaches a server: one request over a keep-alive pool, no redirects followed,
// answered with status, headers and the body as a stream. Node's own http/https serve every setup
// without a proxy; a proxy named in the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) is served
// by undici's proxy agent, loaded only then: in a process of its own, 50 requests over undici cost
// 20 MiB of resident memory over a bare process, over Node's http 7 MiB (BENCHMARKS.md, case 4).
import type { Readable } from 'node:stream';
import { NodeConnections } from './node-connections.js';

export type PoolOptions = {
  /** Keep-alive connections per origin; the scheduler never runs more checks per registry. */
  connectionsPerOrigin: number;
  /** The deadline of one request, connecting included; the caller's signal enforces it, undici's connect needs it too. */
  requestTimeoutMs: number;
  /** An idle kept-alive connection is closed after this long. */
  idleMs: number;
  /** Larger response headers fail the request. */
  maxHeaderBytes: number;
};

/** The pool settings of every registry, token server and metadata endpoint connection. */
export function poolOptions(connectionsPerOrigin: number, requestTimeoutMs: number): PoolOptions {
  return { connectionsPerOrigin, requestTimeoutMs, idleMs: 30_000, maxHeaderBytes: 64 * 1024 };
}

/** Which certificates a pool trusts: `ca` replaces the system roots when given. */
export type TlsTrust = { ca?: string[]; rejectUnauthorized: boolean };

export type RequestInit = {
  method: 'GET' | 'HEAD' | 'POST';
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
};

export type Answer = {
  status: number;
  /** Lower-case names; a header sent more than once is an array. */
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
};

export interface Connections {
  request(url: URL, init: RequestInit): Promise<Answer>;
  /** Closes every connection at once; requests in flight fail. */
  destroy(): Promise<void>;
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

export function proxyInEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  return PROXY_VARIABLES.some((name) => (env[name] ?? '') !== '');
}

/** Connections for one trust setting, through the environment's proxy when it names one. */
export function openConnections(pool: PoolOptions, trust: TlsTrust): Connections {
  if (!proxyInEnvironment()) return new NodeConnections(pool, trust);
  const proxied = import('./proxied-connections.js').then(({ ProxiedConnections }) => new ProxiedConnections(pool, trust));
  return {
    request: async (url, init) => (await proxied).request(url, init),
    destroy: async () => (await proxied).destroy(),
  };
}
