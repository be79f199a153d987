// How the transport reaches a server: one request over a keep-alive pool, no redirects followed,
// answered with status, headers and a body read once, within a bound. The contract both kinds of connections
// keep (direct-connections.ts, proxied-connections.ts); open-connections.ts picks one.
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
  body: AnswerBody;
};

/** An answer's body, read once: as text up to a size, or dropped. */
export interface AnswerBody {
  /** The body as UTF-8 text; longer than `maxBytes`, the connection is closed and `tooLarge()` thrown. */
  text(maxBytes: number, tooLarge: () => Error): Promise<string>;
  /** Reads the body to its end so the connection is kept, or closes the connection when the body is long. */
  discard(): Promise<void>;
}

export interface Connections {
  request(url: URL, init: RequestInit): Promise<Answer>;
  /** Closes every connection at once; requests in flight fail. */
  destroy(): Promise<void>;
}
