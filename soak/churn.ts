// Workload churn against the real API server: namespaces filled with workloads of the four kinds,
// then random creates, image changes, deletes and namespace deletions, keeping the number of
// workloads near a target. The test bed runs no controller manager, so a namespace deletion does
// the namespace controller's part here: delete what the namespace holds, then finalize it.
import * as k8s from '@kubernetes/client-node';
import { KIND_NAMES, type KindName } from '../src/kube/workload-kinds.js';
import { kindCalls, type Containers, type KindCalls } from './workload-api.js';

export type ChurnOptions = {
  namespaces: number;
  /** Workloads the churn keeps the cluster near. */
  workloads: number;
  /** Images that exist in the registry, and tags that do not: what an image change picks from. */
  presentImages: string[];
  absentImages: string[];
  /** A namespace is deleted with all it holds (and a fresh one added) this often. */
  namespaceDeletionEveryMs: number;
  random: () => number;
};

export type ChurnCounts = { created: number; changed: number; deleted: number; namespacesDeleted: number; failed: number };

type Live = { namespace: string; kind: KindName; name: string };

export class Churn {
  readonly counts: ChurnCounts = { created: 0, changed: 0, deleted: 0, namespacesDeleted: 0, failed: 0 };
  private readonly calls: Record<KindName, KindCalls>;
  private readonly core: k8s.CoreV1Api;
  private readonly namespaces: string[] = [];
  /** Workloads the churn believes exist, for picking targets; the API server is the truth. */
  private readonly live: Live[] = [];
  private sequence = 0;
  private namespaceSequence = 0;
  private nextNamespaceDeletion: number | undefined;

  constructor(
    kc: k8s.KubeConfig,
    private readonly options: ChurnOptions,
  ) {
    this.calls = kindCalls(kc);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
  }

  /** Counts from here on: the churn proper, not the population before it. */
  resetCounts(): void {
    for (const key of Object.keys(this.counts) as Array<keyof ChurnCounts>) this.counts[key] = 0;
  }

  get workloadCount(): number {
    return this.live.length;
  }

  /** The namespaces and the target number of workloads, `concurrency` requests at a time. */
  async populate(concurrency: number): Promise<void> {
    for (let i = 0; i < this.options.namespaces; i++) await this.addNamespace();
    const pending = Array.from({ length: this.options.workloads }, () => () => this.create());
    await Promise.all(Array.from({ length: concurrency }, async () => {
      for (let job = pending.pop(); job; job = pending.pop()) await job();
    }));
  }

  /** One random operation, or the namespace deletion when due; the fewer workloads against the target, the likelier a create. */
  async step(): Promise<void> {
    const now = Date.now();
    this.nextNamespaceDeletion ??= now + this.options.namespaceDeletionEveryMs;
    if (now >= this.nextNamespaceDeletion) {
      this.nextNamespaceDeletion = now + this.options.namespaceDeletionEveryMs;
      return this.deleteNamespace();
    }
    const roll = this.options.random();
    const fill = this.live.length / this.options.workloads;
    if (roll < 0.45 - (fill - 1)) return this.create();
    if (roll < 0.75) return this.changeImage();
    return this.delete();
  }

  private pick<T>(items: T[]): T {
    return items[Math.floor(this.options.random() * items.length)];
  }

  private image(): string {
    // One image in ten does not exist: the exporter must say absent, and keep saying it.
    return this.options.random() < 0.1 ? this.pick(this.options.absentImages) : this.pick(this.options.presentImages);
  }

  private containers(): Containers {
    const containers = [{ name: 'main', image: this.image() }];
    if (this.options.random() < 0.3) containers.push({ name: 'sidecar', image: this.image() });
    return this.options.random() < 0.1 ? { containers, initContainers: [{ name: 'init', image: this.image() }] } : { containers };
  }

  private async attempt(what: keyof ChurnCounts | undefined, call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      if (what) this.counts[what]++;
      return true;
    } catch {
      // A conflict, a workload gone with its namespace, the API server restarting: counted, not fatal.
      this.counts.failed++;
      return false;
    }
  }

  private async create(): Promise<void> {
    if (this.namespaces.length === 0) return;
    const target: Live = { namespace: this.pick(this.namespaces), kind: this.pick([...KIND_NAMES]), name: `w-${++this.sequence}` };
    if (await this.attempt('created', () => this.calls[target.kind].create(target.namespace, target.name, this.containers()))) this.live.push(target);
  }

  private async changeImage(): Promise<void> {
    if (this.live.length === 0) return;
    const target = this.pick(this.live);
    const calls = this.calls[target.kind];
    await this.attempt('changed', async () => {
      const object = await calls.read(target.namespace, target.name);
      const spec = calls.podSpec(object);
      const container = this.pick(spec.containers);
      container.image = this.image();
      await calls.replace(target.namespace, target.name, object);
    });
  }

  private async delete(): Promise<void> {
    if (this.live.length === 0) return;
    const index = Math.floor(this.options.random() * this.live.length);
    const target = this.live[index];
    this.live[index] = this.live[this.live.length - 1];
    this.live.pop();
    await this.attempt('deleted', () => this.calls[target.kind].remove(target.namespace, target.name));
  }

  /** Deletes a namespace with everything in it, as the namespace controller would, and adds a fresh one. */
  private async deleteNamespace(): Promise<void> {
    if (this.namespaces.length < 2) return;
    const namespace = this.namespaces.splice(Math.floor(this.options.random() * this.namespaces.length), 1)[0];
    for (let i = this.live.length - 1; i >= 0; i--) {
      if (this.live[i].namespace !== namespace) continue;
      this.live[i] = this.live[this.live.length - 1];
      this.live.pop();
    }
    await this.attempt('namespacesDeleted', async () => {
      await this.core.deleteNamespace({ name: namespace });
      for (const kind of KIND_NAMES) await this.calls[kind].removeAll(namespace);
      const terminating = await this.core.readNamespace({ name: namespace });
      await this.core.replaceNamespaceFinalize({ name: namespace, body: { ...terminating, spec: { finalizers: [] } } });
    });
    await this.addNamespace();
  }

  private async addNamespace(): Promise<void> {
    const name = `soak-${String(++this.namespaceSequence).padStart(3, '0')}`;
    if (await this.attempt(undefined, () => this.core.createNamespace({ body: { metadata: { name } } }))) this.namespaces.push(name);
  }
}
