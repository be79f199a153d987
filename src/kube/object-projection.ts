// What is kept of the watched objects (workloads, Pods, Jobs, ReplicaSets), taken as soon as they
// arrive from a list or a watch: the informer caches hold these small copies, not the API server's
// objects with their status, managedFields and the rest of the spec. A pod keeps what decides its
// checks: names, uid and controller, container names and images, pull secrets, service account,
// phase. A workload none of whose images is this replica's (another shard's) is not kept, but for
// a Job whose pods are checked: its stub keeps enough to key the cache and say what controls it,
// nothing of its pod spec.
import type * as k8s from '@kubernetes/client-node';
import { CHECK_ANNOTATION } from './workload-selection.js';
import type { KubeObject, OwnerReference } from './kube-object.js';

type Metadata = NonNullable<KubeObject['metadata']>;

/** The controller reference only: the one owner that decides whether another kind covers the object. */
export function controllerOf(object: KubeObject): OwnerReference | undefined {
  const references = object.metadata?.ownerReferences;
  if (!Array.isArray(references)) return undefined;
  return references.find((reference) => reference?.controller === true);
}

function controllerReference(controller: OwnerReference): OwnerReference {
  return { apiVersion: controller.apiVersion, kind: controller.kind, name: controller.name, uid: controller.uid, controller: true };
}

function metadata(object: KubeObject): Metadata {
  const { name, namespace, uid, resourceVersion } = object.metadata ?? {};
  const controller = controllerOf(object);
  const kept: Metadata = { name, namespace, uid, resourceVersion };
  if (controller) kept.ownerReferences = [controllerReference(controller)];
  // Of the annotations, only the one that opts the workload out of checks (or in).
  const check: unknown = object.metadata?.annotations?.[CHECK_ANNOTATION];
  if (typeof check === 'string') kept.annotations = { [CHECK_ANNOTATION]: check.slice(0, 16) };
  return kept;
}

function containers(list: unknown): k8s.V1Container[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.map((container) => ({ name: container?.name, image: container?.image }) as k8s.V1Container);
}

export function podSpecProjection(spec: unknown): k8s.V1PodSpec | undefined {
  if (!spec || typeof spec !== 'object') return undefined;
  const full = spec as k8s.V1PodSpec;
  const kept = { containers: containers(full.containers) } as k8s.V1PodSpec;
  const init = containers(full.initContainers);
  if (init?.length) kept.initContainers = init;
  if (Array.isArray(full.imagePullSecrets) && full.imagePullSecrets.length > 0) kept.imagePullSecrets = full.imagePullSecrets.map((ref) => ({ name: ref?.name }));
  const account = full.serviceAccountName || full.serviceAccount;
  if (account) kept.serviceAccountName = account;
  return kept;
}

export function podProjection(pod: KubeObject): KubeObject {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return { metadata: metadata(pod), spec: podSpecProjection(pod.spec), status: phase ? { phase } : undefined };
}

export function jobProjection(job: KubeObject): KubeObject {
  const spec = (job.spec ?? {}) as { suspend?: boolean; template?: { spec?: unknown } };
  const conditions = (job.status as { conditions?: Array<{ type?: string; status?: string }> } | undefined)?.conditions;
  const ended = Array.isArray(conditions) ? conditions.filter((c) => (c?.type === 'Complete' || c?.type === 'Failed') && c.status === 'True').map((c) => ({ type: c.type, status: c.status })) : [];
  return {
    metadata: metadata(job),
    spec: { suspend: spec.suspend === true ? true : undefined, template: { spec: podSpecProjection(spec.template?.spec) } },
    status: ended.length > 0 ? { conditions: ended } : undefined,
  };
}

/** Deployments, StatefulSets, DaemonSets: the pod template's check fields and the replica count (scaled to zero: disabled). */
export function templatedProjection(workload: KubeObject): KubeObject {
  const spec = (workload.spec ?? {}) as { replicas?: number; template?: { spec?: unknown } };
  return { metadata: metadata(workload), spec: { replicas: spec.replicas, template: { spec: podSpecProjection(spec.template?.spec) } } };
}

/** CronJobs: the job template's pod template and whether it is suspended. */
export function cronJobProjection(cronJob: KubeObject): KubeObject {
  const spec = (cronJob.spec ?? {}) as { suspend?: boolean; jobTemplate?: { spec?: { template?: { spec?: unknown } } } };
  return {
    metadata: metadata(cronJob),
    spec: { suspend: spec.suspend === true ? true : undefined, jobTemplate: { spec: { template: { spec: podSpecProjection(spec.jobTemplate?.spec?.template?.spec) } } } },
  };
}

/** The spec of every stub: one shared object, so that telling a stub costs a comparison and no memory. */
const OUT_OF_SHARD = Object.freeze({ outOfShard: true });

/**
 * A workload whose images are all another shard's: its name, namespace and resourceVersion (the
 * watch resumes from the last object's). `asOwner`: its uid and controller too, for a Job whose
 * pods are decided by what controls it.
 */
export function outOfShardProjection(object: KubeObject, asOwner: boolean): KubeObject {
  const { name, namespace, resourceVersion } = object.metadata ?? {};
  const kept: Metadata = { name, namespace, resourceVersion };
  const controller = asOwner ? controllerOf(object) : undefined;
  if (asOwner) kept.uid = object.metadata?.uid;
  if (controller) kept.ownerReferences = [controllerReference(controller)];
  return { metadata: kept, spec: OUT_OF_SHARD };
}

export function isOutOfShard(object: KubeObject): boolean {
  return object.spec === OUT_OF_SHARD;
}

/** ServiceAccounts: only the names of their pull secrets count (the token secrets and the rest do not). */
export function serviceAccountProjection(account: KubeObject): KubeObject {
  const { name, namespace, resourceVersion } = account.metadata ?? {};
  const secrets = (account as { imagePullSecrets?: unknown }).imagePullSecrets;
  const kept: KubeObject & { imagePullSecrets?: Array<{ name?: string }> } = { metadata: { name, namespace, resourceVersion } };
  if (Array.isArray(secrets) && secrets.length > 0) kept.imagePullSecrets = secrets.map((ref: { name?: string } | null) => ({ name: ref?.name }));
  return kept;
}

/** ReplicaSets (and Jobs, when not checked themselves) are only asked who controls them. */
export function ownerProjection(object: KubeObject): KubeObject {
  return { metadata: metadata(object) };
}
