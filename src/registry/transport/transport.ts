// Every HTTP exchange with registries and token servers goes through here: one place for
// connection pools (per-host TLS, proxies from the environment: open-connections.ts), time limits,
// body size limits, redirects and instrumentation.
import { readCaFile } from './ca-file.js';
import { createRequire } from 'node:module';
import type { Phase } from '../verdicts/classify.js';
import { poolOptions, type Connections } from './connections.js';
import { openConnections } from './open-connections.js';
import { EVERY_REGISTRY } from './plain-http.js';
import { RequestDeadline } from './request-deadline.js';

export type TransportOptions = {
  requestTimeoutMs: number;
  /** PEM files trusted next to the system roots. */
  caFiles: string[];
  /** Hosts (host or host:port) whose certificates are not verified; "*" is every host. */
  insecureSkipVerifyHosts: string[];
  /** Per host (lower case): PEM certificates trusted for that host only. */
  hostCaPems?: ReadonlyMap<string, string[]>;
  /** Keep-alive connections per registry origin; the scheduler never runs more checks per registry. */
  connectionsPerOrigin: number;
  userAgent: string;
  onExchange?: (exchange: Exchange) => void;
};

export type Exchange = {
  registry: string;
  phase: Phase;
  /** HTTP status, or the error code when no answer came. */
  outcome: string;
  seconds: number;
};

export type Reply = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body?: string;
  url: URL;
};

export class NetworkError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** host:port contacted, and whether it was the registry or its token server. */
    readonly host = '',
    readonly phase: Phase = 'manifest',
  ) {
    super(message);
  }
}

/** The server answered, but not in a way the protocol allows (e.g. too large, endless redirects). */
export class ProtocolError extends Error {}

const MAX_REDIRECTS = 5;
export const MAX_BODY_BYTES = 1024 * 1024;

export class Transport {
  private readonly verifying: Connections;
  /** Aborted by close(): in-flight requests end at once instead of running out their time limit. */
  private readonly closing = new AbortController();
  private readonly notVerifying: Connections;
  private readonly insecureHosts: Set<string>;
  /** Hosts with their own extra CAs get their own pool: a CA trusted for one host is not for others. */
  private readonly hostVerifying = new Map<string, Connections>();

  constructor(private readonly options: TransportOptions) {
    const extraCas = options.caFiles.map(readCaFile);
    const rootCertificates = extraCas.length > 0 || (options.hostCaPems?.size ?? 0) > 0 ? systemRoots() : [];
    const pool = poolOptions(options.connectionsPerOrigin, options.requestTimeoutMs);
    this.verifying = openConnections(pool, { ca: extraCas.length > 0 ? [...rootCertificates, ...extraCas] : undefined, rejectUnauthorized: true });
    for (const [host, pems] of options.hostCaPems ?? []) {
      this.hostVerifying.set(host.toLowerCase(), openConnections(pool, { ca: [...rootCertificates, ...extraCas, ...pems], rejectUnauthorized: true }));
    }
    this.notVerifying = openConnections(pool, { rejectUnauthorized: false });
    this.insecureHosts = new Set(options.insecureSkipVerifyHosts.map((host) => host.toLowerCase()));
  }

  /**
   * One request, following at most a few redirects and dropping the Authorization header when a
   * redirect leaves the origin. `readBody` reads up to MAX_BODY_BYTES; otherwise the body is discarded.
   * A request with a `body` (a token exchange) is not redirected: the body may hold a token.
   */
  async send(
    registry: string,
    phase: Phase,
    method: 'GET' | 'HEAD' | 'POST',
    url: URL,
    headers: Record<string, string>,
    readBody: boolean,
    body?: string,
  ): Promise<Reply> {
    const started = performance.now();
    let outcome = 'error';
    try {
      const reply = await this.follow(method, url, headers, readBody, body);
      outcome = String(reply.status);
      return reply;
    } catch (error) {
      const wrapped = this.closing.signal.aborted ? new NetworkError('cancelled: the exporter is stopping', 'ABORTED', url.host, phase) : wrapError(error, url.host, phase);
      outcome = wrapped instanceof NetworkError ? wrapped.code : 'protocol_error';
      throw wrapped;
    } finally {
      this.options.onExchange?.({ registry, phase, outcome, seconds: (performance.now() - started) / 1000 });
    }
  }

  /** Aborts every request in flight (they fail as ABORTED) and closes the connection pools. */
  async close(): Promise<void> {
    this.closing.abort();
    await Promise.all([this.verifying, this.notVerifying, ...this.hostVerifying.values()].map((connections) => connections.destroy()));
  }

  private connectionsFor(host: string): Connections {
    if (this.insecureHosts.has(host) || this.insecureHosts.has(EVERY_REGISTRY)) return this.notVerifying;
    return this.hostVerifying.get(host) ?? this.verifying;
  }

  private async follow(method: 'GET' | 'HEAD' | 'POST', start: URL, headers: Record<string, string>, readBody: boolean, requestBody?: string): Promise<Reply> {
    let url = start;
    let currentHeaders: Record<string, string> = { ...headers, 'user-agent': this.options.userAgent };
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const deadline = new RequestDeadline(this.options.requestTimeoutMs, this.closing.signal);
      try {
        const response = await this.connectionsFor(url.host.toLowerCase()).request(url, {
          method,
          headers: currentHeaders,
          body: requestBody,
          signal: deadline.signal,
        });
        const location = response.headers.location;
        if (response.status >= 300 && response.status < 400 && typeof location === 'string') {
          await response.body.discard();
          if (requestBody !== undefined) throw new ProtocolError(`${method} to ${url.origin}${url.pathname} was redirected; not followed`);
          const next = new URL(location, url);
          if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new ProtocolError(`redirect to unsupported URL scheme ${next.protocol}`);
          if (next.origin !== url.origin) {
            // Credentials belong to the registry that asked for them, never to where it points.
            currentHeaders = Object.fromEntries(Object.entries(currentHeaders).filter(([name]) => name !== 'authorization'));
          }
          url = next;
          continue;
        }
        const body = readBody ? await response.body.text(MAX_BODY_BYTES, () => new ProtocolError(`response body larger than ${MAX_BODY_BYTES} bytes`)) : (await response.body.discard(), undefined);
        return { status: response.status, headers: response.headers, body, url };
      } catch (error) {
        // A body cut off by the deadline surfaces as a reset connection from Node: the deadline is what happened.
        throw deadline.expired ? deadline.reason : error;
      } finally {
        deadline.end();
      }
    }
    throw new ProtocolError(`more than ${MAX_REDIRECTS} redirects, last to ${url.origin}`);
  }
}

/**
 * Node's own trusted roots, which a pool with extra CAs must list next to them. Read through
 * require, and only then: importing node:tls as an ES module makes Node build all of them as
 * strings (about 0.3 MB) in every process.
 */
function systemRoots(): readonly string[] {
  return (createRequire(import.meta.url)('node:tls') as typeof import('node:tls')).rootCertificates;
}

function wrapError(error: unknown, host: string, phase: Phase): Error {
  if (error instanceof ProtocolError || error instanceof NetworkError) return error;
  const err = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') {
    return new NetworkError('request timed out', 'TIMEOUT', host, phase);
  }
  const cause = err?.cause ?? err;
  const code = cause?.code ?? err?.code ?? 'UNKNOWN';
  // The code says what happened; OpenSSL's text after it ("80CC29…:error:0A00010B:SSL routines…") says nothing more to a user.
  const message = String(cause?.message ?? err?.message ?? error).trim().split('\n')[0].slice(0, 300);
  return new NetworkError(`${code}: ${message}`, code, host, phase);
}
