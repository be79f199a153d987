// Which Pods and Jobs another watched kind already covers. A Pod is skipped when its controller is
// a watched kind (StatefulSet, DaemonSet, a checked Job, an --extra-workload kind), or a ReplicaSet
// or Job whose own controller is one (a Deployment's ReplicaSet, a CronJob's Job, an Argo
// Rollout's ReplicaSet); a Job when a CronJob (or an extra kind) controls it. Everything else is
// checked as its own kind: bare Pods and Jobs, and those of controllers the exporter does not know.
// ReplicaSets (and Jobs, when not checked themselves) are known by their controller reference
// alone: uid → controller, a few dozen bytes each.
import type { KubeObject, OwnerReference } from './kube-object.js';
import { controllerOf } from './object-projection.js';

export type Coverage = 'check' | 'skip' | 'unknown';

/** Intermediate controllers whose own controller decides: ReplicaSets, and Jobs when not checked. */
const INTERMEDIATE = new Set(['apps/ReplicaSet', 'batch/Job']);

export function groupKind(reference: { apiVersion?: string; kind?: string }): string {
  const apiVersion = reference.apiVersion ?? '';
  const slash = apiVersion.indexOf('/');
  return `${slash === -1 ? '' : apiVersion.slice(0, slash)}/${reference.kind ?? ''}`;
}

export class PodOwners {
  /** ReplicaSet or Job uid → its controller's group/Kind, '' for none. */
  private readonly controllers = new Map<string, string>();
  /** Controller uid → keys (namespace/name) of the pods it controls, to re-decide them when it changes. */
  private readonly podsByController = new Map<string, Set<string>>();
  private readonly controllerOfPod = new Map<string, string>();

  /** `covering`: group/Kind of every kind the exporter checks (apps/Deployment, argoproj.io/Rollout...). */
  constructor(private readonly covering: ReadonlySet<string>) {}

  /** A ReplicaSet or Job was seen; true when what it tells about its pods changed. */
  setIntermediate(object: KubeObject): boolean {
    const uid = object.metadata?.uid;
    if (!uid) return false;
    const controller = controllerOf(object);
    const value = controller ? groupKind(controller) : '';
    if (this.controllers.get(uid) === value) return false;
    this.controllers.set(uid, value);
    return true;
  }

  deleteIntermediate(object: KubeObject): boolean {
    const uid = object.metadata?.uid;
    return !!uid && this.controllers.delete(uid);
  }

  /** Keys of the pods whose controller has this uid. */
  podsOf(uid: string): ReadonlySet<string> {
    return this.podsByController.get(uid) ?? new Set();
  }

  /** Whether a Job is checked as its own kind. */
  jobCoverage(job: KubeObject): Coverage {
    const controller = controllerOf(job);
    return controller && this.covering.has(groupKind(controller)) ? 'skip' : 'check';
  }

  /** Whether a Pod is checked as its own kind; 'unknown' until its ReplicaSet or Job is seen. */
  podCoverage(pod: KubeObject): Coverage {
    const controller = controllerOf(pod);
    this.track(pod, controller);
    if (!controller) return 'check';
    const kind = groupKind(controller);
    if (this.covering.has(kind)) return 'skip';
    if (!INTERMEDIATE.has(kind)) return 'check';
    const above = this.controllers.get(controller.uid ?? '');
    if (above === undefined) return 'unknown';
    return this.covering.has(above) ? 'skip' : 'check';
  }

  forgetPod(pod: KubeObject): void {
    this.track(pod, undefined);
  }

  private track(pod: KubeObject, controller: OwnerReference | undefined): void {
    const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    const wanted = controller && INTERMEDIATE.has(groupKind(controller)) ? controller.uid : undefined;
    const before = this.controllerOfPod.get(key);
    if (before === wanted) return;
    if (before !== undefined) {
      const pods = this.podsByController.get(before);
      pods?.delete(key);
      if (pods?.size === 0) this.podsByController.delete(before);
      this.controllerOfPod.delete(key);
    }
    if (wanted === undefined) return;
    this.controllerOfPod.set(key, wanted);
    let pods = this.podsByController.get(wanted);
    if (!pods) this.podsByController.set(wanted, (pods = new Set()));
    pods.add(key);
  }
}
