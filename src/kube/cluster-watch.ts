// List + watch of ServiceAccounts and the workload kinds (the four controllers; Pods, Jobs and
// --extra-workload kinds when enabled), cluster-wide, feeding the image index; each resource's
// list + watch, its restarts and relists, are informer.ts. When sharded, a workload none of whose
// images is this replica's is not kept (a Job whose pods are checked keeps a stub that says what
// controls it, object-projection.ts), and a reshard lists every workload kind again to get back
// the workloads the new shard needs.
import type * as k8s from '@kubernetes/client-node';
import type { ImageIndex } from '../index/image-index.js';
import type { Logger } from '../log/log.js';
import type { NodePlatforms } from './node-platforms.js';
import type { KubeConfig } from './client-library.js';
import { discoverKind, extraWorkloadKind, type ExtraWorkload } from './extra-workloads.js';
import { Informer, type InformerSpec } from './informer.js';
import { KubeApi } from './kube-api.js';
import { isOutOfShard, outOfShardProjection, ownerProjection, serviceAccountProjection } from './object-projection.js';
import { describeError, restartDelay, WatchTrouble } from './watch-trouble.js';
import { groupKind, PodOwners } from './pod-owners.js';
import { leftOut, type NamespaceRule } from './workload-selection.js';
import { JOB_KIND, POD_KIND, WORKLOAD_KINDS, type KindName, type WorkloadKind } from './workload-kinds.js';
import type { KubeObject } from './kube-object.js';

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
    const serviceAccounts = this.informer({
      name: 'serviceaccounts',
      path: '/api/v1/serviceaccounts',
      resource: 'serviceaccounts',
      onChange: (object) => this.onServiceAccount(object as k8s.V1ServiceAccount, false),
      onDelete: (object) => this.onServiceAccount(object as k8s.V1ServiceAccount, true),
      project: serviceAccountProjection,
    });
    const first = [serviceAccounts.firstList()];
    if (this.options.namespaceLabel) {
      const namespaces = this.informer({
        name: 'namespaces',
        path: '/api/v1/namespaces',
        resource: 'namespaces',
        onChange: (object) => this.onNamespace(object as k8s.V1Namespace, false),
        onDelete: (object) => this.onNamespace(object as k8s.V1Namespace, true),
      });
      first.push(namespaces.firstList());
    }
    const platforms = this.options.nodePlatforms;
    if (platforms) {
      this.informer({
        name: 'nodes',
        path: '/api/v1/nodes',
        resource: 'nodes',
        onChange: (object) => platforms.set(object.metadata?.name ?? '', (object as k8s.V1Node).metadata?.labels),
        onDelete: (object) => platforms.delete(object.metadata?.name ?? ''),
      });
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
    const informer = this.informer({
      name: kind.kind,
      path: kind.apiPath,
      resource: kind.resource,
      onChange: (object) => this.onWorkload(kind, object),
      onDelete: (object) => this.onWorkloadDeleted(kind, object),
      project: this.projection(kind),
    });
    this.workloadInformers.set(kind.kind, informer);
  }

  /**
   * The kind's projection; nothing when none of the workload's images is this replica's (at
   * 100 000 workloads, 4 replicas each held 75 000 stubs of 170 bytes), but a Job's stub when pods
   * are checked: it keeps what decides its pods' coverage.
   */
  private projection(kind: WorkloadKind): (object: KubeObject) => KubeObject | undefined {
    const asOwner = kind === JOB_KIND && !!this.options.checkPods;
    return (object) => {
      const kept = kind.project ? kind.project(object) : object;
      const podSpec = kind.podSpec(kept);
      if (!podSpec || !Array.isArray(podSpec.containers) || this.index.inShard(podSpec)) return kept;
      return asOwner ? outOfShardProjection(kept, true) : undefined;
    };
  }

  /**
   * The shard changed: a workload left out may be one this replica checks now, and a whole object
   * of one it no longer does. Every workload kind is listed again (one list each; a reshard during a
   * relist starts it over); until its list is in, a kind's cache answers as before.
   */
  reshard(): void {
    if (this.workloadInformers.size === 0) return;
    this.log.info({ kinds: [...this.workloadInformers.keys()] }, 're-listing every workload kind for the new shard');
    for (const informer of this.workloadInformers.values()) informer.relist();
  }

  /**
   * What a Pod's ReplicaSet or Job is controlled by, from their metadata alone. Jobs come from
   * their own informer when they are checked too.
   */
  private startOwnerInformers(): Promise<void>[] {
    const metadataWatch = (name: string, path: string, resource: string) =>
      this.informer({
        name,
        path,
        resource,
        onChange: (object) => this.onIntermediate(object),
        onDelete: (object) => this.owners.deleteIntermediate(object) && this.redecidePods(object.metadata?.uid),
        project: ownerProjection,
        accept: { list: METADATA_LIST, watch: METADATA_WATCH },
      }).firstList();
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
      const pod = pods.get(key.slice(slash + 1), key.slice(0, slash));
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
      // The watches' backoff one step on: 1 s after the first failure, doubling up to the same 30 s.
      const delay = restartDelay(failures + 2);
      this.log.error({ extraWorkload: workload.text, retryInSeconds: delay / 1000 }, `cannot watch extra workload ${workload.resource}.${workload.group}: ${describeError(error)}`);
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
    for (const covered of [POD_KIND, JOB_KIND]) for (const object of this.workloadInformers.get(covered.kind)?.list() ?? []) this.onWorkload(covered, object);
    return kind;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.discoveryRetries.values()) clearTimeout(timer);
    for (const informer of this.informers) await informer.stop();
  }

  /** What is kept of each watched workload of a kind: the projected object (none of another shard's but Jobs' stubs). */
  kept(kind: KindName): readonly KubeObject[] {
    return this.workloadInformers.get(kind)?.list() ?? [];
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
    if (isOutOfShard(object)) {
      // A Job's stub: another replica's now; it may have been this one's before an update or a reshard.
      this.index.deleteWorkload(kind.kind, namespace, name);
      return;
    }
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
      for (const object of this.workloadInformers.get(kind.kind)?.list(name) ?? []) this.onWorkload(kind, object);
    }
  }

  private onServiceAccount(account: k8s.V1ServiceAccount, deleted: boolean): void {
    const namespace = account.metadata?.namespace ?? '';
    const name = account.metadata?.name ?? '';
    const secrets = (account.imagePullSecrets ?? []).map((ref) => ref?.name).filter((n): n is string => !!n);
    this.index.setServiceAccount(namespace, name, deleted ? undefined : secrets);
  }

  private informer(spec: InformerSpec): Informer {
    const informer = new Informer(spec, { kubeConfig: this.kubeConfig, api: this.api, log: this.log, trouble: this.trouble, stopped: () => this.stopped });
    this.informers.push(informer);
    informer.start();
    return informer;
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
