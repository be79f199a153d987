// What the cloud credential providers share: a cache of their credentials, the memory of why a
// provider has nothing (told once in the log, and in the reason of the checks it affects), and the
// GET of a metadata endpoint.
import { printable } from '../../../bounds/printable.js';
import type { CredentialProvider } from '../credential-provider.js';
import type { Credential } from '../credentials.js';
import type { ImageReference } from '../../references/reference.js';
import { ExpiringCache } from '../../expiring-cache.js';
import { poolOptions } from '../../transport/connections.js';
import { DirectConnections } from '../../transport/direct-connections.js';

export const CLOUD_NAMES = ['ecr', 'gcp', 'acr'] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];

/** Where providers tell that they failed or recovered; a pino logger fits. Never given a token. */
export type ProviderLog = {
  warn(detail: object, message: string): void;
  info(detail: object, message: string): void;
};

/**
 * Why a provider has no credential. The message names endpoints and failures, never a token.
 * `expected`: nothing is wrong (no cloud identity where none was given), so it is logged as
 * information, not as a warning.
 */
export class CloudCredentialError extends Error {
  constructor(
    message: string,
    readonly expected = false,
  ) {
    super(message);
  }
}

/** Cloud credentials live hours (ECR 12 h): renewed a tenth of their life early, at most five minutes. */
export const CLOUD_RENEWAL_MARGIN_MS = 5 * 60_000;
const MAX_METADATA_BODY_BYTES = 64 * 1024;

/**
 * The part every cloud provider has in common: it answers only for its registries, gives one
 * credential per token key (region, account, registry) from the cache, and when fetching fails
 * gives nothing instead of throwing, so the check goes on anonymously. A failure is logged when it
 * starts or changes, a recovery once, and the reason is kept for the checks it affects.
 */
export abstract class CloudProvider implements CredentialProvider {
  private readonly cache = new ExpiringCache<Credential>(CLOUD_RENEWAL_MARGIN_MS);
  /** Token key → why its last fetch failed. */
  private readonly failures = new Map<string, string>();

  /** Registry hosts (lower case) this provider serves although their name does not say so. */
  protected readonly extraHosts: ReadonlySet<string>;

  constructor(
    readonly name: CloudName,
    private readonly log: ProviderLog,
    extraHosts: string[],
  ) {
    this.extraHosts = new Set(extraHosts.map((host) => host.toLowerCase()));
  }

  /** The cache key of the token that serves this registry host (lower case), or undefined when the provider does not serve it. */
  protected abstract tokenKey(host: string): string | undefined;

  /** Fetches the credential for a token key; throws CloudCredentialError (or anything) when it cannot. */
  protected abstract fetchCredential(key: string, host: string): Promise<{ value: Credential; expiresAt: number }>;

  async credentialsFor(reference: ImageReference): Promise<Credential[]> {
    const host = reference.registry.toLowerCase();
    const key = this.tokenKey(host);
    if (key === undefined) return [];
    try {
      const credential = await this.cache.getOrFetch(key, () => this.fetchCredential(key, host));
      if (this.failures.delete(key)) this.log.info({ provider: this.name, registry: host }, 'cloud credentials available again');
      return [credential];
    } catch (error) {
      const reason = `${this.name} credentials unavailable: ${describeFailure(error)}`;
      if (this.failures.get(key) !== reason) {
        const detail = { provider: this.name, registry: host, reason };
        if (error instanceof CloudCredentialError && error.expected) this.log.info(detail, 'no cloud identity for these registries; checking with pull secrets only (give the exporter an identity to use it, or switch the provider off)');
        else this.log.warn(detail, 'cloud credentials unavailable; checking without them');
      }
      this.failures.set(key, reason);
      return [];
    }
  }

  unavailableReason(reference: ImageReference): string | undefined {
    const key = this.tokenKey(reference.registry.toLowerCase());
    return key === undefined ? undefined : this.failures.get(key);
  }
}

/**
 * A failure in words fit for logs and the status page. Our own errors are written to be. Of other
 * errors (an SDK's, the network's) only text that cannot echo an answer is kept: a service's own
 * error message, a system error, a credential chain's complaint. A parser's message quotes the
 * answer it choked on, which may hold a token, so it is left out.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof CloudCredentialError) return error.message;
  const err = error as { name?: string; message?: string; code?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: number } };
  const name = typeof err?.name === 'string' ? err.name : 'Error';
  const message = String(err?.message ?? error).split('\n')[0];
  // The AWS SDK wraps what is not an Error of its own realm (a socket error, say) as text.
  const systemError = SYSTEM_ERROR.exec(message)?.[1];
  const trusted = err?.$fault !== undefined || typeof err?.code === 'string' || TRUSTED_ERRORS.has(name);
  const text = trusted ? printable(message, 200) : systemError ? printable(systemError, 200) : 'its message is not shown, it may quote the answer';
  const status = err?.$metadata?.httpStatusCode;
  return `${name === 'Error' ? '' : `${name}: `}${text}${status ? ` (HTTP ${status})` : ''}`;
}

const TRUSTED_ERRORS = new Set(['TimeoutError', 'AbortError', 'CredentialsProviderError', 'ProviderError', 'TokenProviderError']);
const SYSTEM_ERROR = /^(?:AWS SDK error wrapper for )?(?:Error: )?((?:connect|getaddrinfo|read|write) E[A-Z]+(?: [\w.:[\]-]+)?|socket hang up)$/;


/**
 * GETs of metadata endpoints (link-local or node-local: never through a proxy), time-limited and
 * size-bounded, answering a JSON object.
 */
export class MetadataHttp {
  private readonly connections: DirectConnections;

  constructor(private readonly timeoutMs: number) {
    this.connections = new DirectConnections(poolOptions(4, timeoutMs), { rejectUnauthorized: true });
  }

  async getJson(url: URL, headers: Record<string, string>, what: string): Promise<Record<string, unknown>> {
    const where = `${what} ${url.origin}${url.pathname}`;
    let status: number;
    let body: string;
    try {
      const response = await this.connections.request(url, { method: 'GET', headers, signal: AbortSignal.timeout(this.timeoutMs) });
      status = response.status;
      body = await response.body.text(MAX_METADATA_BODY_BYTES, () => new CloudCredentialError(`answer larger than ${MAX_METADATA_BODY_BYTES} bytes`));
    } catch (error) {
      if (error instanceof CloudCredentialError) throw new CloudCredentialError(`${where}: ${error.message}`);
      throw new CloudCredentialError(`${where} did not answer: ${networkReason(error)}`);
    }
    const parsed = parseObject(body);
    if (status !== 200) {
      // OAuth-style error fields say what is wrong (no identity, no consent) and never hold a token.
      const detail = parsed && [parsed.error_description, parsed.error, parsed.message].find((field) => typeof field === 'string');
      throw new CloudCredentialError(`${where} answered ${status}${detail ? `: ${printable(detail as string, 200)}` : ''}`);
    }
    if (!parsed) throw new CloudCredentialError(`${where} answered with something that is not a JSON object`);
    return parsed;
  }

  async close(): Promise<void> {
    await this.connections.destroy();
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function networkReason(error: unknown): string {
  const err = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'timed out';
  const cause = err?.cause ?? err;
  return printable(`${cause?.code ?? err?.code ?? 'error'}: ${String(cause?.message ?? err?.message ?? error).split('\n')[0]}`, 200);
}

/** Seconds from a token answer (a number, or a string of digits as Azure's IMDS sends) → milliseconds, or undefined. */
export function secondsField(value: unknown): number | undefined {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
