// List + watch of ServiceAccounts and the four workload kinds, cluster-wide, feeding the image
// index. client-node's ListWatch resumes from the last resourceVersion after a dropped watch and
// re-lists on 410 Gone (deleting what vanished meanwhile); on any other error we restart it with
// backoff, and say clearly when RBAC is the reason. The backoff starts over once the API server
// accepts a watch again, so a second outage is retried as quickly as the first.
import * as k8s from '@kubernetes/client-node';
import type { ImageIndex } from '../index/image-index.js';
import type { Logger } from '../log.js';
import type { NodePlatforms } from './node-platforms.js';
import { WORKLOAD_KINDS, type KindApis, type KindName, type KubeObject, type WorkloadKind } from './workload-kinds.js';

const PAGE_SIZE = 500;
const MAX_RESTART_DELAY_MS = 30_000;

export type ClusterWatchOptions = {
  /** Kinds whose disabled workloads (scaled to zero, suspended) are checked anyway. */
  checkDisabled: ReadonlySet<KindName>;
  /** Only namespaces with this label (`key` or `key=value`) are checked; undefined: all. */
  namespaceLabel?: string;
  /** When given, nodes are watched and their platforms kept here. */
  nodePlatforms?: NodePlatforms;
};

type Informer = { name: string; listWatch: k8s.ListWatch<KubeObject>; listed: boolean; failures: number; timer?: NodeJS.Timeout };

export class ClusterWatch {
  private readonly informers: Informer[] = [];
  private readonly workloadInformers = new Map<KindName, Informer>();
  /** Namespaces that carry the namespace label, when one is set. */
  private readonly selectedNamespaces = new Set<string>();
  private readonly apis: KindApis;
  private readonly core: k8s.CoreV1Api;
  private stopped = false;

  constructor(
    private readonly kubeConfig: k8s.KubeConfig,
    private readonly index: ImageIndex,
    private readonly log: Logger,
    private readonly options: ClusterWatchOptions,
  ) {
    this.apis = { apps: kubeConfig.makeApiClient(k8s.AppsV1Api), batch: kubeConfig.makeApiClient(k8s.BatchV1Api) };
    this.core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  }

  /**
   * Starts every informer; ServiceAccounts first, so a workload's first check already has the
   * pull secrets of its ServiceAccount instead of failing once anonymously.
   */
  async start(): Promise<void> {
    const serviceAccounts = this.informer(
      'serviceaccounts',
      '/api/v1/serviceaccounts',
      'serviceaccounts',
      (page) => this.core.listServiceAccountForAllNamespaces(page) as Promise<{ items: KubeObject[]; metadata?: { resourceVersion?: string; _continue?: string } }>,
      (object) => this.onServiceAccount(object as k8s.V1ServiceAccount, false),
      (object) => this.onServiceAccount(object as k8s.V1ServiceAccount, true),
    );
    const first = [this.firstList(serviceAccounts)];
    if (this.options.namespaceLabel) {
      const namespaces = this.informer(
        'namespaces',
        '/api/v1/namespaces',
        'namespaces',
        (page) => this.core.listNamespace(page) as Promise<{ items: KubeObject[]; metadata?: { resourceVersion?: string; _continue?: string } }>,
        (object) => this.onNamespace(object as k8s.V1Namespace, false),
        (object) => this.onNamespace(object as k8s.V1Namespace, true),
      );
      first.push(this.firstList(namespaces));
    }
    const platforms = this.options.nodePlatforms;
    if (platforms) {
      this.informer(
        'nodes',
        '/api/v1/nodes',
        'nodes',
        (page) => this.core.listNode(page) as Promise<{ items: KubeObject[]; metadata?: { resourceVersion?: string; _continue?: string } }>,
        (object) => platforms.set(object.metadata?.name ?? '', (object as k8s.V1Node).metadata?.labels),
        (object) => platforms.delete(object.metadata?.name ?? ''),
      );
    }
    await Promise.all(first);
    for (const kind of WORKLOAD_KINDS) {
      const informer = this.informer(
        kind.kind,
        kind.apiPath,
        kind.resource,
        (page) => kind.listPage(this.apis, page),
        (object) => this.onWorkload(kind, object),
        (object) => this.index.deleteWorkload(kind.kind, object.metadata?.namespace ?? '', object.metadata?.name ?? ''),
      );
      this.workloadInformers.set(kind.kind, informer);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const informer of this.informers) {
      clearTimeout(informer.timer);
      await informer.listWatch.stop();
    }
  }

  /** Undefined once every kind has been listed in full at least once. */
  notReadyReason(): string | undefined {
    const pending = this.informers.filter((informer) => !informer.listed).map((informer) => informer.name);
    // Workload informers start once service accounts (and namespaces) are listed: until then
    // what blocks is among the pending ones, or the process has only just begun.
    if (pending.length > 0) return `waiting for the first list of ${pending.join(', ')}`;
    return this.workloadInformers.size < WORKLOAD_KINDS.length ? 'starting' : undefined;
  }

  private onWorkload(kind: WorkloadKind, object: KubeObject): void {
    const namespace = object.metadata?.namespace ?? '';
    const name = object.metadata?.name ?? '';
    const podSpec = kind.podSpec(object);
    if (!podSpec || !Array.isArray(podSpec.containers)) {
      this.log.warn({ kind: kind.kind, namespace, name }, 'workload has no pod template with containers; skipped');
      this.index.deleteWorkload(kind.kind, namespace, name);
      return;
    }
    if (this.options.namespaceLabel && !this.selectedNamespaces.has(namespace)) {
      this.index.deleteWorkload(kind.kind, namespace, name);
      return;
    }
    if (kind.disabled(object) && !this.options.checkDisabled.has(kind.kind)) {
      this.index.deleteWorkload(kind.kind, namespace, name);
      return;
    }
    this.index.upsertWorkload({ kind: kind.kind, namespace, name, uid: object.metadata?.uid, podSpec });
  }

  /** A namespace gained or lost the label: its workloads, from the informers' caches, are re-evaluated. */
  private onNamespace(namespace: k8s.V1Namespace, deleted: boolean): void {
    const name = namespace.metadata?.name ?? '';
    const selected = !deleted && labelMatches(namespace.metadata?.labels, this.options.namespaceLabel!);
    if (selected === this.selectedNamespaces.has(name)) return;
    if (selected) this.selectedNamespaces.add(name);
    else this.selectedNamespaces.delete(name);
    for (const kind of WORKLOAD_KINDS) {
      for (const object of this.workloadInformers.get(kind.kind)?.listWatch.list(name) ?? []) this.onWorkload(kind, object);
    }
  }

  private onServiceAccount(account: k8s.V1ServiceAccount, deleted: boolean): void {
    const namespace = account.metadata?.namespace ?? '';
    const name = account.metadata?.name ?? '';
    const secrets = (account.imagePullSecrets ?? []).map((ref) => ref?.name).filter((n): n is string => !!n);
    this.index.setServiceAccount(namespace, name, deleted ? undefined : secrets);
  }

  private informer(
    name: string,
    path: string,
    resource: string,
    listPage: (page: { limit: number; _continue?: string }) => Promise<{ items: KubeObject[]; metadata?: { resourceVersion?: string; _continue?: string } }>,
    onChange: (object: KubeObject) => void,
    onDelete: (object: KubeObject) => void,
  ): Informer {
    const informer = {} as Informer;
    const listAll = async () => {
      const items: KubeObject[] = [];
      let resourceVersion: string | undefined;
      let next: string | undefined;
      do {
        const page = await listPage({ limit: PAGE_SIZE, _continue: next });
        items.push(...page.items);
        resourceVersion = page.metadata?.resourceVersion;
        next = page.metadata?._continue || undefined;
      } while (next);
      // A list after the first one means the watch could not simply resume: its resourceVersion
      // expired (410 Gone) or the watch failed. Worth a line: it costs a full list.
      if (informer.listed) this.log.info({ resource, objects: items.length, resourceVersion }, `re-listed ${resource}`);
      // The informer adds the items right after this promise settles; mark listed after that.
      setImmediate(() => {
        informer.listed = true;
        informer.failures = 0;
      });
      return { items, metadata: { resourceVersion } } as unknown as k8s.KubernetesListObject<KubeObject>;
    };
    const watch = watchReportingAccepted(this.kubeConfig, () => {
      informer.failures = 0;
    });
    const listWatch = new k8s.ListWatch<KubeObject>(path, watch, listAll, false);
    Object.assign(informer, { name, listWatch, listed: false, failures: 0 });
    listWatch.on(k8s.ADD, (object) => this.safely(name, () => onChange(object)));
    listWatch.on(k8s.UPDATE, (object) => this.safely(name, () => onChange(object)));
    listWatch.on(k8s.DELETE, (object) => this.safely(name, () => onDelete(object)));
    listWatch.on(k8s.ERROR, (error) => this.restartLater(informer, resource, error));
    this.informers.push(informer);
    void listWatch.start().catch((error) => this.restartLater(informer, resource, error));
    return informer;
  }

  private firstList(informer: Informer): Promise<void> {
    return new Promise((resolve) => {
      const poll = setInterval(() => {
        if (informer.listed || this.stopped) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
  }

  private restartLater(informer: Informer, resource: string, error: unknown): void {
    if (this.stopped) return;
    informer.failures++;
    const code = (error as { code?: number; statusCode?: number })?.code ?? (error as { statusCode?: number })?.statusCode;
    const delay = Math.min(MAX_RESTART_DELAY_MS, 500 * 2 ** Math.min(informer.failures - 1, 10));
    const detail = { resource, code, retryInSeconds: delay / 1000, error: describe(error) };
    if (code === 401 || code === 403) {
      this.log.error(detail, `not allowed to list and watch ${resource} cluster-wide: the exporter's ClusterRole needs list and watch on ${resource}`);
    } else {
      this.log.warn(detail, `watch of ${resource} failed; resuming`);
    }
    clearTimeout(informer.timer);
    informer.timer = setTimeout(() => {
      if (this.stopped) return;
      void informer.listWatch.start().catch((next) => this.restartLater(informer, resource, next));
    }, delay);
  }

  /** A bug in handling one object must not end the watch for all of them. */
  private safely(name: string, handler: () => void): void {
    try {
      handler();
    } catch (error) {
      this.log.error({ informer: name, error: describe(error) }, 'failed to handle a watched object');
    }
  }
}

/**
 * A Watch that calls `onAccepted` when the API server answers a watch request with 200: the watch
 * is re-established. client-node resumes a dropped watch from its resourceVersion without a new
 * list, so a successful list alone would leave the failures of an earlier outage counted.
 */
function watchReportingAccepted(kubeConfig: k8s.KubeConfig, onAccepted: () => void): k8s.Watch {
  const watch = new k8s.Watch(kubeConfig);
  const start = watch.watch.bind(watch);
  watch.watch = async (path, queryParams, callback, done) => {
    // A refused or failed request calls `done` with the error before `watch` returns.
    let failed = false;
    const controller = await start(path, queryParams, callback, (error) => {
      failed = true;
      done(error);
    });
    if (!failed) onAccepted();
    return controller;
  };
  return watch;
}

/** `key` (any value) or `key=value`. */
function labelMatches(labels: Record<string, string> | undefined, selector: string): boolean {
  const equals = selector.indexOf('=');
  if (equals === -1) return labels?.[selector] !== undefined;
  return labels?.[selector.slice(0, equals)] === selector.slice(equals + 1);
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0].slice(0, 300);
  return String(error).slice(0, 300);
}
