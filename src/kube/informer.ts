// One list + watch of one resource, cluster-wide, that outlives failures. client-node's ListWatch
// resumes from the last resourceVersion after a dropped watch and re-lists on 410 Gone (deleting
// what vanished meanwhile); on any other error we restart it with backoff, and say clearly when
// RBAC is the reason. The backoff starts over once the API server accepts a watch again, so a
// second outage is retried as quickly as the first. A relist on demand (a reshard changes what is
// kept of each object) swaps in a fresh ListWatch and reports what vanished meanwhile as deleted.
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from '../log/log.js';
import { ADD, DELETE, ERROR, ListWatch, UPDATE, type KubeConfig } from './client-library.js';
import type { KubeApi } from './kube-api.js';
import type { KubeObject } from './kube-object.js';
import { answerCode, describeError, restartDelay, watchProblem, type WatchTrouble } from './watch-trouble.js';
import { informerWatch } from './watch-requests.js';

const PAGE_SIZE = 500;

export type InformerSpec = {
  /** For logs and readiness: the plural resource or the kind's name. */
  name: string;
  path: string;
  /** The RBAC resource, for messages that say which rule is missing. */
  resource: string;
  onChange(object: KubeObject): void;
  onDelete(object: KubeObject): void;
  /**
   * What of each object is kept, taken as it arrives (all of it when not given). Undefined: nothing
   * (another shard's workload): left out of a list, and a watch event of it takes it out of the
   * cache, as deleted, if it was there.
   */
  project?(object: KubeObject): KubeObject | undefined;
  /** Accept headers for another form than the whole objects (metadata only). */
  accept?: { list: string; watch: string };
};

export type InformerContext = { kubeConfig: KubeConfig; api: KubeApi; log: Logger; trouble: WatchTrouble; stopped(): boolean };

export class Informer {
  /** Listed in full at least once. */
  listed = false;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private listWatch: ListWatch<KubeObject>;
  /** While a relist runs: the cache it replaces, to tell what vanished once the new list is in. */
  private replaced?: ListWatch<KubeObject>;

  constructor(
    private readonly spec: InformerSpec,
    private readonly context: InformerContext,
  ) {
    this.listWatch = this.connect();
  }

  get name(): string {
    return this.spec.name;
  }

  start(): void {
    this.begin(this.listWatch);
  }

  get(name: string, namespace: string): KubeObject | undefined {
    return this.listWatch.get(name, namespace);
  }

  list(namespace?: string): readonly KubeObject[] {
    return this.listWatch.list(namespace);
  }

  /**
   * Lists again from scratch, each object projected as now; the cache in use answers until the
   * list is in. A relist while one runs starts it over, compared with the same older cache.
   */
  relist(): void {
    if (this.context.stopped()) return;
    clearTimeout(this.timer);
    const old = this.listWatch;
    this.replaced ??= old;
    // Swapped before the old one stops: stopping aborts its watch, which reports the abort at once.
    this.listWatch = this.connect();
    void old.stop();
    this.begin(this.listWatch);
  }

  /** Resolves once listed in full (or stopped). */
  firstList(): Promise<void> {
    return new Promise((resolve) => {
      const poll = setInterval(() => {
        if (this.listed || this.context.stopped()) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.listWatch.stop();
  }

  private connect(): ListWatch<KubeObject> {
    const { spec, context } = this;
    const project = spec.project ?? ((object: KubeObject): KubeObject | undefined => object);
    const watch = informerWatch(context.kubeConfig, spec.accept?.watch, () => this.recovered(), project);
    const listWatch: ListWatch<KubeObject> = new ListWatch<KubeObject>(spec.path, watch, () => this.listAll(listWatch, project), false);
    // A replaced ListWatch may still deliver what was in flight: only the one in use is heard.
    const current = (handler: (object: KubeObject) => void) => (object: KubeObject) => {
      if (this.listWatch === listWatch) this.safely(() => handler(object));
    };
    listWatch.on(ADD, current(spec.onChange));
    listWatch.on(UPDATE, current(spec.onChange));
    listWatch.on(DELETE, current(spec.onDelete));
    listWatch.on(ERROR, (error) => this.listWatch === listWatch && this.restartLater(error));
    return listWatch;
  }

  private begin(listWatch: ListWatch<KubeObject>): void {
    void listWatch.start().catch((error) => this.listWatch === listWatch && this.restartLater(error));
  }

  private async listAll(listWatch: ListWatch<KubeObject>, project: (object: KubeObject) => KubeObject | undefined): Promise<k8s.KubernetesListObject<KubeObject>> {
    const { path, accept, resource } = this.spec;
    const items: KubeObject[] = [];
    let resourceVersion: string | undefined;
    let next: string | undefined;
    do {
      const page = await this.context.api.listPage(path, { limit: PAGE_SIZE, continue: next }, accept?.list);
      for (const item of page.items) {
        const kept = project(item as KubeObject);
        if (kept) items.push(kept);
      }
      resourceVersion = page.metadata?.resourceVersion;
      next = page.metadata?.continue;
    } while (next);
    // A list after the first one means the watch could not simply resume (its resourceVersion
    // expired, 410 Gone, or it failed), or a reshard asked for it. Worth a line: it costs a full list.
    if (this.listed) this.context.log.info({ resource, objects: items.length, resourceVersion }, `re-listed ${resource}`);
    // The ListWatch adds the items right after this promise settles; act after that.
    setImmediate(() => {
      if (this.listWatch !== listWatch) return;
      this.listed = true;
      this.recovered();
      this.deleteVanished(listWatch);
    });
    return { items, metadata: { resourceVersion } } as unknown as k8s.KubernetesListObject<KubeObject>;
  }

  /** After a relist: what the replaced cache held and the new list has not is gone. */
  private deleteVanished(listWatch: ListWatch<KubeObject>): void {
    const replaced = this.replaced;
    if (!replaced) return;
    this.replaced = undefined;
    for (const object of replaced.list()) {
      if (!listWatch.get(object.metadata?.name ?? '', object.metadata?.namespace ?? '')) this.safely(() => this.spec.onDelete(object));
    }
  }

  private recovered(): void {
    this.failures = 0;
    this.context.trouble.recovered(this.spec.name);
  }

  private restartLater(error: unknown): void {
    if (this.context.stopped()) return;
    this.failures++;
    const { resource } = this.spec;
    const code = answerCode(error);
    const delay = restartDelay(this.failures);
    const detail = { resource, code, retryInSeconds: delay / 1000, error: describeError(error) };
    const problem = watchProblem(resource, code, detail.error);
    this.context.trouble.failed(this.spec.name, problem);
    this.context.log[problem.level](detail, problem.message);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.context.stopped()) this.begin(this.listWatch);
    }, delay);
  }

  /** A bug in handling one object must not end the watch for all of them. */
  private safely(handler: () => void): void {
    try {
      handler();
    } catch (error) {
      this.context.log.error({ informer: this.spec.name, error: describeError(error) }, 'failed to handle a watched object');
    }
  }
}
