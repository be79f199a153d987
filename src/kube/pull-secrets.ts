// Pull secrets, read one by one with `get` when a check needs them (the exporter never lists or
// watches Secrets, so its RBAC cannot read a secret no workload names), and what the kubelet would
// make of them: content → keyring entries; not found → it pulls without the secret; malformed →
// it refuses to pull for the pod. Reads are few and bounded: one per secret per cache period,
// de-duplicated, at most a handful at once, each with a timeout. A failed read keeps the content
// last read (whatever its age) and is retried soon; a secret never read makes the answer unknown,
// so the image keeps the status it had instead of a false authentication failure.
import type * as k8s from '@kubernetes/client-node';
import { credentialsFromSecret, ignoredSecretReason, SecretFormatError, type KeyringEntry } from '../registry/credentials.js';
import type { Logger } from '../log.js';
import { printable } from '../printable.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import type { KubeApi } from './kube-api.js';

/** Reads one Secret within `timeoutMs`; fails with `code` 404 or 403 as the API server answers. */
export type ReadSecret = (namespace: string, name: string, timeoutMs: number) => Promise<k8s.V1Secret>;

/** A Secret's size is bounded by the API server (1.5 MB per object); anything far beyond is not one. */
const MAX_SECRET_BYTES = 4 * 1024 * 1024;

export function apiSecretReader(api: KubeApi): ReadSecret {
  return (namespace, name, timeoutMs) => api.get(`/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`, { timeoutMs, maxBytes: MAX_SECRET_BYTES });
}

export type PullSecretsAnswer =
  /** Entries of every readable secret, in the pod's order; `notes` name secrets the kubelet goes on without. */
  | { kind: 'keyring'; entries: KeyringEntry[]; notes: string[] }
  /** A secret the kubelet cannot parse: it refuses to pull for the pod. */
  | { kind: 'refused'; reason: string }
  /** A secret never read successfully: no answer can be given yet. */
  | { kind: 'unknown'; reason: string };

type Content =
  | { kind: 'entries'; entries: KeyringEntry[]; ignoredBecause?: string }
  | { kind: 'missing' }
  | { kind: 'forbidden' }
  | { kind: 'malformed'; reason: string };

type SecretState = { content?: Content; readAt: number; nextReadAt: number; failing?: string; usedAt: number };

export type PullSecretsOptions = {
  /** How long content read is used before it is read again. */
  ttlMs: number;
  /** How soon a failed read is tried again. */
  retryMs: number;
  /** Reads in flight at most, across the process. */
  maxInFlight: number;
  /** How long one read may take. */
  timeoutMs: number;
  /** A secret no check asked for in this long is forgotten (bounds memory as workloads come and go). */
  forgetAfterMs: number;
};

/** A DNS subdomain (RFC 1123), what the API server requires of a Secret's name. */
const SECRET_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const DEFAULT_PULL_SECRETS_OPTIONS: PullSecretsOptions = { ttlMs: 60_000, retryMs: 5_000, maxInFlight: 4, timeoutMs: 10_000, forgetAfterMs: 30 * 60_000 };

export class PullSecrets {
  private readonly states = new Map<string, SecretState>();
  private readonly pending = new Map<string, Promise<void>>();
  private readonly limit: ConcurrencyLimit;
  private readonly options: PullSecretsOptions;
  private lastSweep = Date.now();

  constructor(
    private readonly readSecret: ReadSecret,
    private readonly log: Logger,
    options: Partial<PullSecretsOptions> = {},
  ) {
    this.options = { ...DEFAULT_PULL_SECRETS_OPTIONS, ...options };
    this.limit = new ConcurrencyLimit(this.options.maxInFlight);
  }

  /** What the kubelet would build from these secrets of one namespace, in the pod's order. */
  async keyring(namespace: string, names: string[]): Promise<PullSecretsAnswer> {
    await Promise.all(names.map((name) => this.refresh(namespace, name)));
    this.sweep();
    const entries: KeyringEntry[] = [];
    const notes: string[] = [];
    const unknown: string[] = [];
    for (const name of names) {
      const key = `${namespace}/${name}`;
      const state = this.states.get(key);
      const secret = printable(key, 140);
      const content = state?.content;
      if (!state || !content) {
        unknown.push(`pull secret ${secret} could not be read yet (${state?.failing ?? 'no answer'})`);
        continue;
      }
      if (content.kind === 'malformed') {
        return { kind: 'refused', reason: `pull secret ${secret} is malformed: ${content.reason}; the kubelet refuses to pull for pods naming it: fix or remove it` };
      }
      if (content.kind === 'missing') notes.push(`pull secret ${secret} does not exist, so it was not used: check its name`);
      else if (content.kind === 'forbidden') notes.push(`the exporter may not read pull secret ${secret} (RBAC get on secrets), so it was not used`);
      else {
        entries.push(...content.entries);
        if (content.ignoredBecause) notes.push(`pull secret ${secret} was not used: ${content.ignoredBecause}`);
      }
      if (state.failing) notes.push(`pull secret ${secret} cannot be read now (${state.failing}); its content read earlier was used`);
    }
    if (unknown.length > 0) return { kind: 'unknown', reason: `${unknown.join('; ')}; the last status is kept until it can be read` };
    return { kind: 'keyring', entries, notes };
  }

  private refresh(namespace: string, name: string): Promise<void> {
    const secret = `${namespace}/${name}`;
    const now = Date.now();
    const state = this.states.get(secret);
    if (state) state.usedAt = now;
    if (state && state.nextReadAt > now) return Promise.resolve();
    // A name no Secret can have is not asked for: the answer is "not found", as the kubelet gets.
    if (!SECRET_NAME.test(name)) {
      this.states.set(secret, { content: { kind: 'missing' }, readAt: now, nextReadAt: Infinity, usedAt: now });
      return Promise.resolve();
    }
    let reading = this.pending.get(secret);
    if (!reading) {
      reading = this.limit.run(() => this.read(namespace, name)).finally(() => this.pending.delete(secret));
      this.pending.set(secret, reading);
    }
    return reading;
  }

  private async read(namespace: string, name: string): Promise<void> {
    const secret = `${namespace}/${name}`;
    let content: Content;
    try {
      const body = await this.readSecret(namespace, name, this.options.timeoutMs);
      content = contentOf(body, secret);
    } catch (error) {
      const status = (error as { code?: unknown }).code;
      if (status === 404) content = { kind: 'missing' };
      else if (status === 403) content = { kind: 'forbidden' };
      else return this.failed(secret, describe(error, this.options.timeoutMs));
    }
    this.succeeded(secret, content);
  }

  private succeeded(secret: string, content: Content): void {
    const now = Date.now();
    const before = this.states.get(secret);
    if (before?.failing) this.log.info({ secret }, 'pull secret readable again');
    if (content.kind !== before?.content?.kind) {
      // Info, not warn: the image's reason names the missing secret, and a workload may name dozens.
      if (content.kind === 'missing') this.log.info({ secret }, 'pull secret not found: the kubelet pulls without it, and so do the checks; is its name right?');
      if (content.kind === 'forbidden') this.log.warn({ secret }, 'not allowed to read pull secret (RBAC get on secrets): checks go on without it; grant get or use the registries file');
      if (content.kind === 'malformed') this.log.warn({ secret, reason: content.reason }, 'malformed pull secret: the kubelet refuses to pull for pods naming it; its images are reported authentication_failure');
    }
    this.states.set(secret, { content, readAt: now, nextReadAt: now + this.options.ttlMs, usedAt: before?.usedAt ?? now });
  }

  private failed(secret: string, why: string): void {
    const now = Date.now();
    const state = this.states.get(secret);
    if (!state?.failing) {
      this.log.warn(
        { secret, error: why },
        state?.content
          ? `cannot read pull secret: checks go on with its content read ${Math.round((now - state.readAt) / 1000)}s ago; the next check needing it reads it again (at most every ${Math.round(this.options.retryMs / 1000)}s)`
          : `cannot read pull secret: images needing it keep their last status and are retried until it can be read; is the API server reachable?`,
      );
    }
    this.states.set(secret, { content: state?.content, readAt: state?.readAt ?? 0, failing: why, nextReadAt: now + this.options.retryMs, usedAt: state?.usedAt ?? now });
  }

  private sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < this.options.forgetAfterMs / 4) return;
    this.lastSweep = now;
    for (const [secret, state] of this.states) if (now - state.usedAt > this.options.forgetAfterMs) this.states.delete(secret);
  }
}

function contentOf(body: k8s.V1Secret, secret: string): Content {
  const ignoredBecause = ignoredSecretReason(body.type, body.data);
  try {
    return { kind: 'entries', entries: credentialsFromSecret(body.type, body.data, `secret ${secret}`), ignoredBecause };
  } catch (error) {
    if (error instanceof SecretFormatError) return { kind: 'malformed', reason: error.message };
    throw error;
  }
}

function describe(error: unknown, timeoutMs: number): string {
  const { code, name, message } = error as { code?: unknown; name?: string; message?: string };
  if (name === 'AbortError' || name === 'TimeoutError') return `no answer within ${timeoutMs / 1000}s`;
  if (typeof code === 'number') return `HTTP ${code} from the API server`;
  if (typeof code === 'string') return code;
  const text = String(message ?? error).replace(/[^\x20-\x7e]/g, '?');
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
