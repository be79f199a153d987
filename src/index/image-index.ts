// Workloads → the images they use, deduplicated into check units. A check unit is one image as
// seen with one set of pull secrets, so images that need no secret are checked once however many
// namespaces use them. The index tells its listener when a unit gains its first user or loses
// its last, and nothing else: it knows nothing of registries or schedules.
//
// Pull secrets follow the ServiceAccount admission plugin, which fills a pod's imagePullSecrets
// from its ServiceAccount only when the pod names none: the template's list if it has any entry,
// else the ServiceAccount's. Never both.
import type * as k8s from '@kubernetes/client-node';
import type { KindName } from '../kube/workload-kinds.js';
import { ReferenceError, type ImageReference } from '../registry/references/reference.js';
import type { FilteredBy, ImageFilter } from './image-filter.js';
import { ImageResolver, type ResolvedImage } from './image-resolver.js';
import { boundedLabelValue, shownImage } from '../bounds/label-value.js';

export type CheckUnit = {
  key: string;
  reference: ImageReference;
  /** Namespace the pull secrets live in; undefined when there are none. */
  namespace?: string;
  /** Names in the pod's order, each once; empty when over the limit. */
  pullSecrets: string[];
  /** How many names the pod would have when that is over MAX_PULL_SECRETS: none are read then. */
  pullSecretsOverLimit?: number;
};

/** Pull secret names read per workload at most: real pods name a few; thousands would flood the API server. */
export const MAX_PULL_SECRETS = 32;

export type Usage = {
  kind: KindName;
  namespace: string;
  workload: string;
  workloadUid?: string;
  container: string;
  /** The image as written in the workload (cut if longer than any reference: label-value.ts); the `image` label. */
  image: string;
  /** The unit that decides this usage's status, or the reason the reference cannot be parsed. */
  unit?: CheckUnit;
  badReference?: string;
};

export type WorkloadInput = {
  kind: KindName;
  namespace: string;
  name: string;
  uid?: string;
  podSpec: k8s.V1PodSpec;
};

export interface IndexListener {
  unitAdded(unit: CheckUnit): void;
  unitRemoved(key: string): void;
  /** Something about a workload the user should fix; told once per change, not per check. */
  workloadWarning?(workload: { kind: KindName; namespace: string; name: string }, message: string): void;
}

/** A workload's images the filters keep from being checked (another shard's are not counted). */
type WorkloadRecord = { input: WorkloadInput; usages: Usage[]; ignored: number; notAllowed: number };

/** Containers whose images this replica considers (its shard's), and how many of them each filter drops. */
export type FilterCounts = { considered: number; ignoredImages: number; allowedImages: number };

export class ImageIndex {
  private readonly workloads = new Map<string, WorkloadRecord>();
  private readonly byNamespace = new Map<string, Set<string>>();
  private readonly serviceAccountSecrets = new Map<string, string[]>();
  private readonly unitUsers = new Map<string, { unit: CheckUnit; users: number }>();
  private readonly filtered: FilterCounts = { considered: 0, ignoredImages: 0, allowedImages: 0 };
  private changes = 0;

  constructor(
    private readonly filter: ImageFilter,
    private readonly listener: IndexListener,
    private readonly resolver: ImageResolver = new ImageResolver(),
  ) {}

  upsertWorkload(input: WorkloadInput): void {
    const key = workloadKey(input.kind, input.namespace, input.name);
    const previous = this.workloads.get(key);
    const record: WorkloadRecord = { input, usages: [], ignored: 0, notAllowed: 0 };
    record.usages = this.usagesOf(input, previous, true, record);
    // Add before removing, so a unit that stays in use is never dropped and re-checked.
    record.usages.forEach((usage) => usage.unit && this.retain(usage.unit));
    previous?.usages.forEach((usage) => usage.unit && this.release(usage.unit.key));
    if (previous) this.count(previous, -1);
    this.count(record, 1);
    this.workloads.set(key, record);
    let keys = this.byNamespace.get(input.namespace);
    if (!keys) this.byNamespace.set(input.namespace, (keys = new Set()));
    keys.add(key);
    this.changes++;
  }

  deleteWorkload(kind: KindName, namespace: string, name: string): void {
    const key = workloadKey(kind, namespace, name);
    const record = this.workloads.get(key);
    if (!record) return;
    record.usages.forEach((usage) => usage.unit && this.release(usage.unit.key));
    this.count(record, -1);
    this.workloads.delete(key);
    const keys = this.byNamespace.get(namespace);
    keys?.delete(key);
    if (keys?.size === 0) this.byNamespace.delete(namespace);
    this.changes++;
  }

  /** A ServiceAccount's imagePullSecrets changed: its workloads may need other credentials now. */
  setServiceAccount(namespace: string, name: string, pullSecrets: string[] | undefined): void {
    const saKey = `${namespace}/${name}`;
    const before = this.serviceAccountSecrets.get(saKey) ?? [];
    // Most accounts name no pull secret: they are not kept, as absent means none.
    if (pullSecrets === undefined || pullSecrets.length === 0) this.serviceAccountSecrets.delete(saKey);
    else this.serviceAccountSecrets.set(saKey, pullSecrets);
    if (sameList(before, pullSecrets ?? [])) return;
    for (const key of this.byNamespace.get(namespace) ?? []) {
      const record = this.workloads.get(key);
      if (record && serviceAccountOf(record.input.podSpec) === name) this.upsertWorkload(record.input);
    }
  }

  /**
   * Whether any image of the pod (init containers included) is this replica's, by its shard alone.
   * When none is, the workload is another replica's: the watch keeps nothing of it.
   */
  inShard(podSpec: k8s.V1PodSpec): boolean {
    if (!this.filter.sharded) return true;
    for (const container of containersOf(podSpec)) {
      const image = typeof container.image === 'string' ? container.image : '';
      let pulled: ImageReference | undefined;
      try {
        pulled = this.resolver.resolve(image).pulled;
      } catch (error) {
        if (!(error instanceof ReferenceError)) throw error;
      }
      if (this.filter.why(image, pulled) !== 'shard') return true;
    }
    return false;
  }

  /**
   * The filter changed (a reshard): every workload is evaluated again. Units that stay are kept,
   * units that leave are removed (their series go at once), units that arrive are added.
   */
  refilter(): void {
    for (const record of [...this.workloads.values()]) this.upsertWorkload(record.input);
  }

  /** Every (workload, container, image) the metrics report on. */
  *usages(): IterableIterator<Usage> {
    for (const record of this.workloads.values()) yield* record.usages;
  }

  /** Grows with every workload added, changed or deleted: what the usages are may have changed. */
  get version(): number {
    return this.changes;
  }

  get workloadCount(): number {
    return this.workloads.size;
  }

  get unitCount(): number {
    return this.unitUsers.size;
  }

  /** How much the ignoredImages and allowedImages filters drop, for saying so when it is most or all. */
  get filterCounts(): Readonly<FilterCounts> {
    return this.filtered;
  }

  private count(record: WorkloadRecord, sign: 1 | -1): void {
    this.filtered.considered += sign * (record.usages.length + record.ignored + record.notAllowed);
    this.filtered.ignoredImages += sign * record.ignored;
    this.filtered.allowedImages += sign * record.notAllowed;
  }

  /**
   * The usages a workload would have, by the same rules, without adding it (the admission
   * webhook's question about an object not yet stored). Warnings about it are the caller's to give.
   */
  usagesFor(input: WorkloadInput): Usage[] {
    return this.usagesOf(input, undefined, false);
  }

  private pullSecretsOf(input: WorkloadInput): string[] {
    return podPullSecretNames(input.podSpec, (account) => this.serviceAccountSecrets.get(`${input.namespace}/${account}`));
  }

  /** `dropped`, when given, counts the containers each filter drops. */
  private usagesOf(input: WorkloadInput, previous: WorkloadRecord | undefined, warn = true, dropped?: WorkloadRecord): Usage[] {
    const { podSpec } = input;
    const pullSecrets = this.pullSecretsOf(input);
    const overLimit = pullSecrets.length > MAX_PULL_SECRETS ? pullSecrets.length : undefined;
    const wasOverLimit = previous?.usages.find((usage) => usage.unit)?.unit?.pullSecretsOverLimit;
    if (warn && overLimit !== undefined && overLimit !== wasOverLimit) {
      this.listener.workloadWarning?.(
        { kind: input.kind, namespace: input.namespace, name: input.name },
        `the pod template names ${overLimit} pull secrets; the exporter reads at most ${MAX_PULL_SECRETS} per workload and reports its images unknown_error: name fewer`,
      );
    }
    const usages: Usage[] = [];
    for (const container of containersOf(podSpec)) {
      const image = typeof container.image === 'string' ? container.image : '';
      const name = String(container.name ?? '');
      let resolved: ResolvedImage;
      try {
        resolved = this.resolver.resolve(image);
      } catch (error) {
        if (!(error instanceof ReferenceError)) throw error;
        if (!filteredOut(this.filter.why(image), dropped)) usages.push(usageOf(input, boundedLabelValue(name), shownImage(image), undefined, error.message));
        continue;
      }
      if (filteredOut(this.filter.why(image, resolved.pulled), dropped)) continue;
      usages.push(usageOf(input, boundedLabelValue(name), image, unitFor(resolved.checked, input.namespace, overLimit === undefined ? pullSecrets : [], overLimit), undefined));
    }
    return usages;
  }

  private retain(unit: CheckUnit): void {
    const entry = this.unitUsers.get(unit.key);
    if (entry) {
      entry.users++;
      return;
    }
    this.unitUsers.set(unit.key, { unit, users: 1 });
    this.listener.unitAdded(unit);
  }

  private release(key: string): void {
    const entry = this.unitUsers.get(key);
    if (!entry) return;
    if (--entry.users > 0) return;
    this.unitUsers.delete(key);
    this.listener.unitRemoved(key);
  }
}

/** Init containers first, then the others; what is not a container is passed over. */
function containersOf(podSpec: k8s.V1PodSpec): k8s.V1Container[] {
  const all = [...(Array.isArray(podSpec.initContainers) ? podSpec.initContainers : []), ...(Array.isArray(podSpec.containers) ? podSpec.containers : [])];
  return all.filter((container) => !!container && typeof container === 'object');
}

/** Whether a filter drops the image; counted in `dropped`, when given, by the filter's setting. */
function filteredOut(why: FilteredBy | undefined, dropped: WorkloadRecord | undefined): boolean {
  if (why === 'ignoredImages' && dropped) dropped.ignored++;
  if (why === 'allowedImages' && dropped) dropped.notAllowed++;
  return why !== undefined;
}

/**
 * One usage, always built by this one literal so that every usage shares one hidden class: Node
 * 20's V8 gave each object made by spreading (`{ ...base, unit }`) a hidden class of its own,
 * about 0.5 kB more per container.
 */
function usageOf(input: WorkloadInput, container: string, image: string, unit: CheckUnit | undefined, badReference: string | undefined): Usage {
  return { kind: input.kind, namespace: input.namespace, workload: input.name, workloadUid: input.uid, container, image, unit, badReference };
}

/** The key a usage's image is reported (status page) and remembered (admission warnings) under. */
export function imageKeyOf(usage: Usage): string {
  return usage.unit?.key ?? `bad:${usage.image}`;
}

/** The unit an image is checked as; secrets keep the pod's order: the kubelet tries credentials in that order among equal keys. */
export function unitFor(reference: ResolvedImage['checked'], namespace: string, pullSecrets: string[], overLimit: number | undefined): CheckUnit {
  if (overLimit !== undefined) {
    return { key: `${reference.normalized} ${namespace}/(${overLimit} pull secrets)`, reference, namespace, pullSecrets: [], pullSecretsOverLimit: overLimit };
  }
  if (pullSecrets.length === 0) return { key: reference.normalized, reference, pullSecrets };
  // Joined into a flat string, as workloadKey below: the unit keeps it for as long as it is used.
  return { key: [reference.normalized, ' ', namespace, '/', pullSecrets.join(',')].join(''), reference, namespace, pullSecrets };
}

/**
 * The pull secret names the kubelet would read for a pod, in order, each once (it skips empty
 * names): the pod's own list, else its ServiceAccount's (looked up by name). Shared with `check`.
 */
export function podPullSecretNames(podSpec: k8s.V1PodSpec, serviceAccountSecrets: (account: string) => string[] | undefined): string[] {
  const own = Array.isArray(podSpec.imagePullSecrets) ? podSpec.imagePullSecrets : [];
  const names = own.length > 0 ? own.map((ref) => ref?.name) : (serviceAccountSecrets(serviceAccountOf(podSpec)) ?? []);
  const named = names.filter((name): name is string => typeof name === 'string' && name !== '');
  // No Secret name is longer than 253 characters; a longer one keeps its start (and stays invalid).
  return [...new Set(named.map((name) => (name.length > 253 ? `${name.slice(0, 250)}...` : name)))];
}

function serviceAccountOf(podSpec: k8s.V1PodSpec): string {
  return podSpec.serviceAccountName || podSpec.serviceAccount || 'default';
}

/**
 * Joined, not concatenated: V8 keeps a concatenation as a chain of cons strings, about 100 bytes
 * more per key than the flat string a join makes (154 against 49 bytes per entry of a Map).
 */
function workloadKey(kind: KindName, namespace: string, name: string): string {
  return [kind, namespace, name].join('/');
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
