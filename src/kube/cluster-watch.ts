// List + watch of ServiceAccounts and the workload kinds (the four controllers; Pods, Jobs and
// --extra-workload kinds when enabled), cluster-wide, feeding the image index. client-node's
// ListWatch resumes from the last resourceVersion after a dropped watch and
// re-lists on 410 Gone (deleting what vanished meanwhile); on any other error we restart it with
// backoff, and say clearly when RBAC is the reason. The backoff starts over once the API server
// accepts a watch again, so a second outage is retried as quickly as the first.
import type * as k8s from '@kubernetes/client-node';
import type { ImageIndex } from '../index/image-index.js';
import type { Logger } from '../log/log.js';
import type { NodePlatforms } from './node-platforms.js';
import { ADD, DELETE, ERROR, ListWatch, UPDATE, type KubeConfig } from './client-library.js';
import { discoverKind, extraWorkloadKind, type ExtraWorkload } from './extra-workloads.js';
import { KubeApi } from './kube-api.js';
import { ownerProjection } from './object-projection.js';
import { watchProblem, WatchTrouble } from './watch-trouble.js';
import { groupKind, PodOwners } from './pod-owners.js';
import { watchReportingAccepted, withAcceptHeader } from './watch-requests.js';
import { leftOut, type NamespaceRule } from './workload-selection.js';
import { JOB_KIND, POD_KIND, WORKLOAD_KINDS, type KindName, type WorkloadKind } from './workload-kinds.js';
import type { KubeObject } from './kube-object.js';

const PAGE_SIZE = 500;
const MAX_RESTART_DELAY_MS = 30_000;
/**
 * Metadata only (PartialObjectMetadata): of a ReplicaSet, only its controller matters. A list and
 * a watch each need their own form: the API server ends a watch asked for the list form at once.
 */
const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const METADATA_WATCH = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

export type ClusterWatchOptions = {
  /** Kinds whose disabled workloads (scaled to zero, suspended) are checked anyway. */
  checkDisabled: ReadonlySet<KindName>;
  /** Only namespaces with this label (`key` or `key=value`) are checked; undefined: all. */
  namespaceLabel?: string;
  /** Namespaces whose workloads are not checked (--ignored-namespaces), unless a workload opts in. */
  ignoredNamespaces?: ReadonlySet<string>;
  /** When given, nodes are watched and their platforms kept here. */
  nodePlatforms?: NodePlatforms;
  /** Pods no watched kind owns are checked as kind pod (--check-pods). */
  checkPods?: boolean;
  /** Jobs no CronJob (or extra kind) owns are checked as kind job (--check-jobs). */
  checkJobs?: boolean;
  extraWorkloads?: readonly ExtraWorkload[];
};

type Informer = { name: string; listWatch: ListWatch<KubeObject>; listed: boolean; failures: number; timer?: NodeJS.Timeout };

export class ClusterWatch {
  private readonly informers: Informer[] = [];
  private readonly workloadInformers = new Map<KindName, Informer>();
  /** Every kind being watched, the extra ones once their Kind is known. */
  private readonly kinds: WorkloadKind[] = [];
  /** Extra workloads whose Kind could not be learnt yet, and when they are asked again. */
  private readonly discoveryRetries = new Map<ExtraWorkload, NodeJS.Timeout>();
  private readonly owners: PodOwners;
  private readonly covering = new Set<string>();
  /** Namespaces that carry the namespace label, when one is set. */
  private readonly selectedNamespaces = new Set<string>();
  private readonly api: KubeApi;
  private readonly trouble = new WatchTrouble();
  private readonly namespaceRule: NamespaceRule;
  private stopped = false;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly index: ImageIndex,
    private readonly log: Logger,
    private readonly options: ClusterWatchOptions,
  ) {
    this.api = new KubeApi(kubeConfig);
    for (const kind of WORKLOAD_KINDS) this.covering.add(coveredBy(kind));
    if (options.checkJobs) this.covering.add(coveredBy(JOB_KIND));
    this.owners = new PodOwners(this.covering);
    this.namespaceRule = {
      ignored: options.ignoredNamespaces ?? new Set(),
      selected: options.namespaceLabel ? (namespace) => this.selectedNamespaces.has(namespace) : undefined,
    };
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
      (object) => this.onServiceAccount(object as k8s.V1ServiceAccount, false),
      (object) => this.onServiceAccount(object as k8s.V1ServiceAccount, true),
    );
    const first = [this.firstList(serviceAccounts)];
    if (this.options.namespaceLabel) {
      const namespaces = this.informer(
        'namespaces',
        '/api/v1/namespaces',
        'namespaces',
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
        (object) => platforms.set(object.metadata?.name ?? '', (object as k8s.V1Node).metadata?.labels),
        (object) => platforms.delete(object.metadata?.name ?? ''),
      );
    }
    // Extra kinds are known before any Pod is looked at, so a Rollout's pods are never taken for
    // pods of an unknown controller.
    const extra = await Promise.all((this.options.extraWorkloads ?? []).map((workload) => this.discover(workload)));
    const owners = this.options.checkPods ? this.startOwnerInformers() : [];
    await Promise.all(first);
    for (const kind of [...WORKLOAD_KINDS, ...extra]) if (kind) this.watchKind(kind);
    if (this.options.checkJobs) this.watchKind(JOB_KIND);
    // Only pods wait for their owners' first lists: a ReplicaSet watch that fails (RBAC) must not
    // hold up the other kinds' checks.
    await Promise.all(owners);
    if (this.options.checkPods && !this.stopped) this.watchKind(POD_KIND);
  }

  private watchKind(kind: WorkloadKind): void {
    this.kinds.push(kind);
    const informer = this.informer(
      kind.kind,
      kind.apiPath,
      kind.resource,
      (object) => this.onWorkload(kind, object),
      (object) => this.onWorkloadDeleted(kind, object),
      kind.project,
    );
    this.workloadInformers.set(kind.kind, informer);
  }

  /**
   * What a Pod's ReplicaSet or Job is controlled by, from their metadata alone. Jobs come from
   * their own informer when they are checked too.
   */
  private startOwnerInformers(): Promise<void>[] {
    const metadataWatch = (name: string, path: string, resource: string) =>
      this.firstList(
        this.informer(
          name,
          path,
          resource,
          (object) => this.onIntermediate(object),
          (object) => this.owners.deleteIntermediate(object) && this.redecidePods(object.metadata?.uid),
          ownerProjection,
          { list: METADATA_LIST, watch: METADATA_WATCH },
        ),
      );
    const started = [metadataWatch('replicasets', '/apis/apps/v1/replicasets', 'replicasets.apps')];
    if (!this.options.checkJobs) started.push(metadataWatch('jobs', '/apis/batch/v1/jobs', 'jobs.batch'));
    return started;
  }

  private onIntermediate(object: KubeObject): void {
    if (this.owners.setIntermediate(object)) this.redecidePods(object.metadata?.uid);
  }

  /** A ReplicaSet or Job changed its controller (or came or went): its pods are decided again. */
  private redecidePods(uid: string | undefined): void {
    const pods = this.workloadInformers.get(POD_KIND.kind);
    if (!uid || !pods) return;
    for (const key of [...this.owners.podsOf(uid)]) {
      const slash = key.indexOf('/');
      const pod = pods.listWatch.get(key.slice(slash + 1), key.slice(0, slash));
      if (pod) this.onWorkload(POD_KIND, pod);
    }
  }

  /**
   * Learns an extra workload's Kind. The first attempt returns the kind for start() to watch; on
   * failure it says why and tries again later without holding up the rest, and a later success
   * starts the watch itself and re-decides the pods and jobs the new kind covers.
   */
  private async discover(workload: ExtraWorkload, failures = 0): Promise<WorkloadKind | undefined> {
    if (this.stopped) return undefined;
    let kind: WorkloadKind;
    try {
      kind = extraWorkloadKind(workload, await discoverKind(this.api, workload));
    } catch (error) {
      const delay = Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** Math.min(failures, 10));
      this.log.error({ extraWorkload: workload.text, retryInSeconds: delay / 1000 }, `cannot watch extra workload ${workload.resource}.${workload.group}: ${describe(error)}`);
      this.discoveryRetries.set(workload, setTimeout(() => void this.discover(workload, failures + 1), delay));
      return undefined;
    }
    this.discoveryRetries.delete(workload);
    const taken = [...WORKLOAD_KINDS, JOB_KIND, POD_KIND, ...this.kinds].find((other) => other.kind === kind.kind);
    if (taken || RESERVED_NAMES.has(kind.kind)) {
      const clash = taken ? `the series of ${taken.resource} already have that name` : 'that is the name of another label of its series';
      this.log.error({ extraWorkload: workload.text }, `extra workload ${kind.resource} is of kind ${kind.objectKind}, exported as ${kind.kind}, but ${clash}; it is not watched: remove it from --extra-workload`);
      return undefined;
    }
    this.covering.add(coveredBy(kind));
    this.log.info({ extraWorkload: workload.text, kind: kind.kind }, `watching ${kind.resource} as kind ${kind.kind}`);
    if (failures === 0) return kind;
    this.watchKind(kind);
    for (const covered of [POD_KIND, JOB_KIND]) for (const object of this.workloadInformers.get(covered.kind)?.listWatch.list() ?? []) this.onWorkload(covered, object);
    return kind;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.discoveryRetries.values()) clearTimeout(timer);
    for (const informer of this.informers) {
      clearTimeout(informer.timer);
      await informer.listWatch.stop();
    }
  }

  kindNamed(name: KindName): WorkloadKind | undefined {
    return this.kinds.find((kind) => kind.kind === name);
  }

  /** Why the workloads known may be out of date (the API server refuses or cannot be reached), while it lasts. */
  troubleNotice(): string | undefined {
    return this.trouble.notice();
  }

  /** Watches (one per resource) failing now: refused, unreachable or erroring until they work again. */
  failingWatches(): number {
    return this.trouble.failingCount;
  }

  /** Undefined once every kind has been listed in full at least once. */
  notReadyReason(): string | undefined {
    const pending = this.informers.filter((informer) => !informer.listed).map((informer) => informer.name);
    // Workload informers start once service accounts (and namespaces, owners) are listed: until
    // then what blocks is among the pending ones, or the process has only just begun. An extra
    // kind the API server does not serve does not hold readiness: it is logged and asked again.
    if (pending.length > 0) return `waiting for the first list of ${pending.join(', ')}`;
    return this.workloadInformers.size < WORKLOAD_KINDS.length ? 'starting' : undefined;
  }

  private onWorkload(kind: WorkloadKind, object: KubeObject): void {
    const namespace = object.metadata?.namespace ?? '';
    const name = object.metadata?.name ?? '';
    if (kind === JOB_KIND && this.options.checkPods) this.onIntermediate(object);
    const podSpec = kind.podSpec(object);
    if (!podSpec || !Array.isArray(podSpec.containers)) {
      this.log.warn({ kind: kind.kind, namespace, name }, 'workload has no pod template with containers; skipped');
      this.index.deleteWorkload(kind.kind, namespace, name);
      return;
    }
    if (this.skipped(kind, object)) {
      this.index.deleteWorkload(kind.kind, namespace, name);
      return;
    }
    this.index.upsertWorkload({ kind: kind.kind, namespace, name, uid: object.metadata?.uid, podSpec });
  }

  private skipped(kind: WorkloadKind, object: KubeObject): boolean {
    // Asked first for every pod: it also keeps track of which pods a ReplicaSet or Job controls.
    if (kind === POD_KIND && this.owners.podCoverage(object) !== 'check') return true;
    if (kind === JOB_KIND && this.owners.jobCoverage(object) !== 'check') return true;
    if (leftOut(object.metadata?.namespace ?? '', object.metadata?.annotations, this.namespaceRule)) return true;
    if (kind.finished(object)) return true;
    return kind.disabled(object) && !this.options.checkDisabled.has(kind.kind);
  }

  private onWorkloadDeleted(kind: WorkloadKind, object: KubeObject): void {
    this.index.deleteWorkload(kind.kind, object.metadata?.namespace ?? '', object.metadata?.name ?? '');
    if (kind === POD_KIND) this.owners.forgetPod(object);
    if (kind === JOB_KIND && this.options.checkPods && this.owners.deleteIntermediate(object)) this.redecidePods(object.metadata?.uid);
  }

  /** A namespace gained or lost the label: its workloads, from the informers' caches, are re-evaluated. */
  private onNamespace(namespace: k8s.V1Namespace, deleted: boolean): void {
    const name = namespace.metadata?.name ?? '';
    const selected = !deleted && labelMatches(namespace.metadata?.labels, this.options.namespaceLabel!);
    if (selected === this.selectedNamespaces.has(name)) return;
    if (selected) this.selectedNamespaces.add(name);
    else this.selectedNamespaces.delete(name);
    for (const kind of this.kinds) {
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
    onChange: (object: KubeObject) => void,
    onDelete: (object: KubeObject) => void,
    project: (object: KubeObject) => KubeObject = (object) => object,
    /** Accept headers for another form than the whole objects (metadata only). */
    accept?: { list: string; watch: string },
  ): Informer {
    const informer = {} as Informer;
    const listAll = async () => {
      const items: KubeObject[] = [];
      let resourceVersion: string | undefined;
      let next: string | undefined;
      do {
        const page = await this.api.listPage(path, { limit: PAGE_SIZE, continue: next }, accept?.list);
        for (const item of page.items) items.push(project(item as KubeObject));
        resourceVersion = page.metadata?.resourceVersion;
        next = page.metadata?.continue;
      } while (next);
      // A list after the first one means the watch could not simply resume: its resourceVersion
      // expired (410 Gone) or the watch failed. Worth a line: it costs a full list.
      if (informer.listed) this.log.info({ resource, objects: items.length, resourceVersion }, `re-listed ${resource}`);
      // The informer adds the items right after this promise settles; mark listed after that.
      setImmediate(() => {
        informer.listed = true;
        informer.failures = 0;
        this.trouble.recovered(informer.name);
      });
      return { items, metadata: { resourceVersion } } as unknown as k8s.KubernetesListObject<KubeObject>;
    };
    const watch = watchReportingAccepted(
      accept ? withAcceptHeader(this.kubeConfig, accept.watch) : this.kubeConfig,
      () => {
        informer.failures = 0;
        this.trouble.recovered(informer.name);
      },
      project,
    );
    const listWatch = new ListWatch<KubeObject>(path, watch, listAll, false);
    Object.assign(informer, { name, listWatch, listed: false, failures: 0 });
    listWatch.on(ADD, (object) => this.safely(name, () => onChange(object)));
    listWatch.on(UPDATE, (object) => this.safely(name, () => onChange(object)));
    listWatch.on(DELETE, (object) => this.safely(name, () => onDelete(object)));
    listWatch.on(ERROR, (error) => this.restartLater(informer, resource, error));
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
    const problem = watchProblem(resource, code, detail.error);
    this.trouble.failed(informer.name, problem);
    this.log[problem.level](detail, problem.message);
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

/** The per-kind families label the workload with the kind's name: it must not be one of their other labels. */
const RESERVED_NAMES = new Set(['namespace', 'container', 'image', 'kind', 'name']);

/** The kind a controller reference names when it points at objects of this kind. */
function coveredBy(kind: WorkloadKind): string {
  return groupKind({ apiVersion: kind.apiVersion, kind: kind.objectKind });
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
