// Every HTTP exchange with registries and token servers goes through here: one place for
// dispatchers (keep-alive pools, per-host TLS, proxies from the environment), time limits,
// body size limits, redirects and instrumentation.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import type { Phase } from './classify.js';

export type TransportOptions = {
  requestTimeoutMs: number;
  /** PEM files trusted next to the system roots. */
  caFiles: string[];
  /** Hosts (host or host:port) whose certificates are not verified. */
  insecureSkipVerifyHosts: string[];
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
  ) {
    super(message);
  }
}

/** The server answered, but not in a way the protocol allows (e.g. too large, endless redirects). */
export class ProtocolError extends Error {}

const MAX_REDIRECTS = 5;
export const MAX_BODY_BYTES = 1024 * 1024;

export class Transport {
  private readonly verifying: Dispatcher;
  private readonly notVerifying: Dispatcher;
  private readonly insecureHosts: Set<string>;

  constructor(private readonly options: TransportOptions) {
    const extraCas = options.caFiles.map((file) => readFileSync(file, 'utf8'));
    const common = {
      connections: options.connectionsPerOrigin,
      connectTimeout: options.requestTimeoutMs,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
      keepAliveTimeout: 30_000,
      maxHeaderSize: 64 * 1024,
    };
    // `connect` shapes direct connections, `requestTls` the TLS inside a proxy tunnel: both need the trust settings.
    const trusted = { ca: extraCas.length > 0 ? [...rootCertificates, ...extraCas] : undefined };
    const untrusted = { rejectUnauthorized: false };
    this.verifying = new EnvHttpProxyAgent({ ...common, connect: trusted, requestTls: trusted });
    this.notVerifying = new EnvHttpProxyAgent({ ...common, connect: untrusted, requestTls: untrusted });
    this.insecureHosts = new Set(options.insecureSkipVerifyHosts.map((host) => host.toLowerCase()));
  }

  /**
   * One request, following at most a few redirects and dropping the Authorization header when a
   * redirect leaves the origin. `readBody` reads up to MAX_BODY_BYTES; otherwise the body is discarded.
   */
  async send(
    registry: string,
    phase: Phase,
    method: 'GET' | 'HEAD',
    url: URL,
    headers: Record<string, string>,
    readBody: boolean,
  ): Promise<Reply> {
    const started = performance.now();
    let outcome = 'error';
    try {
      const reply = await this.follow(method, url, headers, readBody);
      outcome = String(reply.status);
      return reply;
    } catch (error) {
      const wrapped = wrapError(error);
      outcome = wrapped instanceof NetworkError ? wrapped.code : 'protocol_error';
      throw wrapped;
    } finally {
      this.options.onExchange?.({ registry, phase, outcome, seconds: (performance.now() - started) / 1000 });
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.verifying.close(), this.notVerifying.close()]);
  }

  private async follow(method: 'GET' | 'HEAD', start: URL, headers: Record<string, string>, readBody: boolean): Promise<Reply> {
    let url = start;
    let currentHeaders: Record<string, string> = { ...headers, 'user-agent': this.options.userAgent };
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const response = await request(url, {
        method,
        headers: currentHeaders,
        dispatcher: this.insecureHosts.has(url.host.toLowerCase()) ? this.notVerifying : this.verifying,
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      const location = response.headers.location;
      if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
        await response.body.dump();
        const next = new URL(location, url);
        if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new ProtocolError(`redirect to unsupported URL scheme ${next.protocol}`);
        if (next.origin !== url.origin) {
          // Credentials belong to the registry that asked for them, never to where it points.
          currentHeaders = Object.fromEntries(Object.entries(currentHeaders).filter(([name]) => name !== 'authorization'));
        }
        url = next;
        continue;
      }
      const body = readBody ? await readLimited(response.body) : (await response.body.dump(), undefined);
      return { status: response.statusCode, headers: response.headers, body, url };
    }
    throw new ProtocolError(`more than ${MAX_REDIRECTS} redirects, last to ${url.origin}`);
  }
}

async function readLimited(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw new ProtocolError(`response body larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function wrapError(error: unknown): Error {
  if (error instanceof ProtocolError || error instanceof NetworkError) return error;
  const err = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') {
    return new NetworkError('request timed out', 'TIMEOUT');
  }
  const cause = err?.cause ?? err;
  const code = cause?.code ?? err?.code ?? 'UNKNOWN';
  const message = String(cause?.message ?? err?.message ?? error).trim().split('\n')[0].slice(0, 300);
  return new NetworkError(`${code}: ${message}`, code);
}
