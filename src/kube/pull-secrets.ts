// Pull secrets, read one by one with `get` when a check needs them (the exporter never lists or
// watches Secrets, so its RBAC cannot read a secret no workload names), and what the kubelet would
// make of them: content → keyring entries; not found → it pulls without the secret; malformed →
// it refuses to pull for the pod. Reads are few and bounded: one per secret per cache period,
// de-duplicated, at most a handful at once, each with a timeout. A failed read keeps the content
// last read (whatever its age) and is retried soon; a secret never read makes the answer unknown,
// so the image keeps the status it had instead of a false authentication failure. What secrets may
// cost is bounded in bytes too (per secret, per workload, in all: secret-budget.ts): a workload
// whose secrets are over a bound gets unknown_error with a reason, and the exporter stays up.
import type * as k8s from '@kubernetes/client-node';
import { credentialsFromSecret, ignoredSecretReason, SecretFormatError, type KeyringEntry } from '../registry/credentials/credentials.js';
import type { Logger } from '../log/log.js';
import { printable } from '../bounds/printable.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { AnswerTooLargeError, type KubeApi } from './kube-api.js';
import { BYTES_PER_ENTRY, defaultSecretBytesTotal, SecretBudget } from './secret-budget.js';

/** Reads one Secret within `timeoutMs`; fails with `code` 404 or 403 as the API server answers, with AnswerTooLargeError past `maxBytes`. */
export type ReadSecret = (namespace: string, name: string, timeoutMs: number, maxBytes: number) => Promise<k8s.V1Secret>;

export function apiSecretReader(api: KubeApi): ReadSecret {
  return (namespace, name, timeoutMs, maxBytes) => api.get(`/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`, { timeoutMs, maxBytes });
}

export type PullSecretsAnswer =
  /** Entries of every readable secret, in the pod's order; `notes` name secrets the kubelet goes on without. */
  | { kind: 'keyring'; entries: KeyringEntry[]; notes: string[] }
  /** A secret the kubelet cannot parse: it refuses to pull for the pod. */
  | { kind: 'refused'; reason: string }
  /** A secret never read successfully: no answer can be given yet. */
  | { kind: 'unknown'; reason: string }
  /** Secrets over a bound in bytes: the exporter does not check with them, and says why. */
  | { kind: 'overLimit'; reason: string };

type Content =
  | { kind: 'entries'; entries: KeyringEntry[]; ignoredBecause?: string; bytes: number }
  | { kind: 'missing' }
  | { kind: 'forbidden' }
  | { kind: 'malformed'; reason: string }
  /** Larger than one secret may be (`bytes` when known): not kept. */
  | { kind: 'tooLarge'; bytes?: number }
  /** Read, but the budget of all secrets had no room for it: not kept. */
  | { kind: 'overBudget'; bytes: number };

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
  /** Bytes of one secret as the API server sends it, at most; a larger one is not read to its end. */
  maxSecretBytes: number;
  /** Bytes of the secrets one workload names, together, at most. */
  maxWorkloadBytes: number;
  /** Bytes of secret content held, across all namespaces, at most. */
  maxTotalBytes: number;
};

/** A DNS subdomain (RFC 1123), what the API server requires of a Secret's name. */
const SECRET_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A pull secret holds one entry per registry, each under a kilobyte: these are far beyond any real one. */
const DEFAULT_PULL_SECRETS_OPTIONS: Omit<PullSecretsOptions, 'maxTotalBytes'> = {
  ttlMs: 60_000,
  retryMs: 5_000,
  maxInFlight: 4,
  timeoutMs: 10_000,
  forgetAfterMs: 30 * 60_000,
  maxSecretBytes: 256 * 1024,
  maxWorkloadBytes: 1024 * 1024,
};

export class PullSecrets {
  private readonly states = new Map<string, SecretState>();
  private readonly pending = new Map<string, Promise<void>>();
  private readonly limit: ConcurrencyLimit;
  private readonly options: PullSecretsOptions;
  private readonly budget: SecretBudget;
  private lastSweep = Date.now();

  constructor(
    private readonly readSecret: ReadSecret,
    private readonly log: Logger,
    options: Partial<PullSecretsOptions> = {},
  ) {
    this.options = { ...DEFAULT_PULL_SECRETS_OPTIONS, maxTotalBytes: options.maxTotalBytes ?? defaultSecretBytesTotal(), ...options };
    this.limit = new ConcurrencyLimit(this.options.maxInFlight);
    this.budget = new SecretBudget(this.options.maxTotalBytes);
  }

  /** What the kubelet would build from these secrets of one namespace, in the pod's order. */
  async keyring(namespace: string, names: string[]): Promise<PullSecretsAnswer> {
    await Promise.all(names.map((name) => this.refresh(namespace, name)));
    this.sweep();
    const entries: KeyringEntry[] = [];
    const notes: string[] = [];
    const unknown: string[] = [];
    const overLimit: string[] = [];
    let bytes = 0;
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
      else if (content.kind === 'tooLarge') overLimit.push(`pull secret ${secret} is ${content.bytes ? sizeOf(content.bytes) : 'larger than that'}, over the ${sizeOf(this.options.maxSecretBytes)} the exporter reads per secret`);
      else if (content.kind === 'overBudget') overLimit.push(`pull secret ${secret} (${sizeOf(content.bytes)}) did not fit in the ${sizeOf(this.options.maxTotalBytes)} the exporter holds for all pull secrets, larger ones first`);
      else {
        entries.push(...content.entries);
        bytes += content.bytes;
        if (content.ignoredBecause) notes.push(`pull secret ${secret} was not used: ${content.ignoredBecause}`);
      }
      if (state.failing) notes.push(`pull secret ${secret} cannot be read now (${state.failing}); its content read earlier was used`);
    }
    if (unknown.length > 0) return { kind: 'unknown', reason: `${unknown.join('; ')}; the last status is kept until it can be read` };
    if (overLimit.length === 0 && bytes > this.options.maxWorkloadBytes) {
      overLimit.push(`the ${names.length} pull secrets of the workload take ${sizeOf(bytes)} together, over the ${sizeOf(this.options.maxWorkloadBytes)} the exporter uses per workload`);
    }
    if (overLimit.length > 0) {
      return { kind: 'overLimit', reason: `${overLimit.join('; ')}; the kubelet would use them, but the exporter does not check this image with them: keep one entry per registry in a pull secret, or name fewer secrets` };
    }
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
      const body = await this.readSecret(namespace, name, this.options.timeoutMs, this.options.maxSecretBytes);
      content = contentOf(body, secret, this.options.maxSecretBytes);
    } catch (error) {
      const status = (error as { code?: unknown }).code;
      if (error instanceof AnswerTooLargeError) content = { kind: 'tooLarge' };
      else if (status === 404) content = { kind: 'missing' };
      else if (status === 403) content = { kind: 'forbidden' };
      else return this.failed(secret, describe(error, this.options.timeoutMs));
    }
    this.succeeded(secret, content);
  }

  private succeeded(secret: string, read: Content): void {
    const now = Date.now();
    const before = this.states.get(secret);
    const content = this.held(secret, read);
    if (before?.failing) this.log.info({ secret }, 'pull secret readable again');
    if (content.kind !== before?.content?.kind) {
      // Info, not warn: the image's reason names the missing secret, and a workload may name dozens.
      if (content.kind === 'missing') this.log.info({ secret }, 'pull secret not found: the kubelet pulls without it, and so do the checks; is its name right?');
      if (content.kind === 'forbidden') this.log.warn({ secret }, 'not allowed to read pull secret (RBAC get on secrets): checks go on without it; grant get or use the registries file');
      if (content.kind === 'malformed') this.log.warn({ secret, reason: content.reason }, 'malformed pull secret: the kubelet refuses to pull for pods naming it; its images are reported authentication_failure');
      if (content.kind === 'tooLarge') this.log.warn({ secret, maxBytes: this.options.maxSecretBytes }, 'pull secret too large to read: its images are reported unknown_error; keep one entry per registry in it');
      if (content.kind === 'overBudget') this.log.warn({ secret, bytes: content.bytes, maxTotalBytes: this.options.maxTotalBytes }, budgetMessage);
    }
    this.states.set(secret, { content, readAt: now, nextReadAt: now + this.options.ttlMs, usedAt: before?.usedAt ?? now });
  }

  /** The content as kept: secret entries count against the budget, and may push larger secrets out of it. */
  private held(secret: string, content: Content): Content {
    if (content.kind !== 'entries') {
      this.budget.release(secret);
      return content;
    }
    const evicted = this.budget.admit(secret, content.bytes);
    if (!evicted) return { kind: 'overBudget', bytes: content.bytes };
    for (const other of evicted) {
      const state = this.states.get(other);
      if (state?.content?.kind !== 'entries') continue;
      state.content = { kind: 'overBudget', bytes: state.content.bytes };
      this.log.warn({ secret: other, bytes: state.content.bytes, maxTotalBytes: this.options.maxTotalBytes }, budgetMessage);
    }
    return content;
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
    for (const [secret, state] of this.states) {
      if (now - state.usedAt <= this.options.forgetAfterMs) continue;
      this.states.delete(secret);
      this.budget.release(secret);
    }
  }
}

const budgetMessage = 'pull secrets take more memory than the exporter holds for them: this one, among the largest, is not used and its images are reported unknown_error; keep one entry per registry in a pull secret';

function contentOf(body: k8s.V1Secret, secret: string, maxBytes: number): Content {
  const ignoredBecause = ignoredSecretReason(body.type, body.data);
  const dataBytes = Object.values(body.data ?? {}).reduce((sum, value) => sum + (typeof value === 'string' ? value.length : 0), 0);
  if (dataBytes > maxBytes) return { kind: 'tooLarge', bytes: dataBytes };
  try {
    const entries = credentialsFromSecret(body.type, body.data, `secret ${secret}`);
    return { kind: 'entries', entries, ignoredBecause, bytes: dataBytes + entries.length * BYTES_PER_ENTRY };
  } catch (error) {
    if (error instanceof SecretFormatError) return { kind: 'malformed', reason: error.message };
    throw error;
  }
}

function sizeOf(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

function describe(error: unknown, timeoutMs: number): string {
  const { code, name, message } = error as { code?: unknown; name?: string; message?: string };
  if (name === 'AbortError' || name === 'TimeoutError') return `no answer within ${timeoutMs / 1000}s`;
  if (typeof code === 'number') return `HTTP ${code} from the API server`;
  if (typeof code === 'string') return code;
  const text = String(message ?? error).replace(/[^\x20-\x7e]/g, '?');
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
