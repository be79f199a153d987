// Pull secrets, read one by one with `get` when a check needs them (the exporter never lists or
// watches Secrets, so its RBAC cannot read a secret no workload names). Answers are cached for a
// short time so checks of many images sharing one secret cost one API call.
import type * as k8s from '@kubernetes/client-node';
import { credentialsFromSecret, SecretFormatError, type KeyringEntry } from '../registry/credentials.js';
import type { Logger } from '../log.js';

type Cached = { entries: KeyringEntry[]; expiresAt: number };

export class PullSecrets {
  private readonly cache = new Map<string, Cached>();
  private readonly pending = new Map<string, Promise<KeyringEntry[]>>();

  constructor(
    private readonly core: k8s.CoreV1Api,
    private readonly log: Logger,
    private readonly ttlMs: number,
  ) {}

  /** Keyring entries of the named secrets, in order; unreadable or malformed ones are skipped and logged. */
  async entries(namespace: string, names: string[]): Promise<KeyringEntry[]> {
    const lists = await Promise.all(names.map((name) => this.secretEntries(namespace, name)));
    return lists.flat();
  }

  private secretEntries(namespace: string, name: string): Promise<KeyringEntry[]> {
    const key = `${namespace}/${name}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > Date.now()) return Promise.resolve(cached.entries);
    let inFlight = this.pending.get(key);
    if (!inFlight) {
      inFlight = this.read(namespace, name)
        .then((entries) => {
          this.cache.set(key, { entries, expiresAt: Date.now() + this.ttlMs });
          return entries;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, inFlight);
    }
    return inFlight;
  }

  private async read(namespace: string, name: string): Promise<KeyringEntry[]> {
    const source = `secret ${namespace}/${name}`;
    let secret: k8s.V1Secret;
    try {
      secret = await this.core.readNamespacedSecret({ name, namespace });
    } catch (error) {
      const code = (error as { code?: number }).code;
      // The kubelet too goes on without a pull secret it cannot find.
      this.log.warn({ secret: `${namespace}/${name}`, code }, code === 404 ? 'pull secret not found; checking without it' : code === 403 ? 'not allowed to read pull secret (RBAC get on secrets); checking without it' : 'cannot read pull secret; checking without it');
      return [];
    }
    try {
      return credentialsFromSecret(secret.type, secret.data, source);
    } catch (error) {
      if (!(error instanceof SecretFormatError)) throw error;
      this.log.warn({ secret: `${namespace}/${name}`, reason: error.message }, 'malformed pull secret ignored');
      return [];
    }
  }
}
