// The workload kinds as one table: where to list them, where their pod template lives, when a
// workload counts as disabled (nothing of it runs, so a missing image hurts nobody yet), and when
// it is finished (it never starts a container again). The four controller kinds are always
// watched; Pods and Jobs only when enabled (--check-pods, --check-jobs), and only those that no
// watched kind owns (pod-owners.ts); kinds from --extra-workload are rows built at start
// (extra-workloads.ts).
import type * as k8s from '@kubernetes/client-node';
import type { KubeObject } from './kube-object.js';
import { cronJobProjection, jobProjection, podProjection, templatedProjection } from './object-projection.js';

/** The four controller kinds every exporter watches, in the order their families are rendered. */
export const KIND_NAMES = ['deployment', 'statefulset', 'daemonset', 'cronjob'] as const;
/** A kind's name in metric families and labels: lowercase, [a-z0-9_]. */
export type KindName = string;


export type WorkloadKind = {
  kind: KindName;
  /** The object's own kind and apiVersion, for references to it (Events) and from it (owners). */
  objectKind: string;
  apiVersion: string;
  /** List and watch path, cluster-wide. */
  apiPath: string;
  /** The RBAC resource, for error messages that say which rule is missing. */
  resource: string;
  podSpec(workload: KubeObject): k8s.V1PodSpec | undefined;
  disabled(workload: KubeObject): boolean;
  /** Never starts a container again: not checked, whatever --force-check-disabled-controllers says. */
  finished(workload: KubeObject): boolean;
  /** What of each object is kept in memory, for kinds that are many or large; undefined: all of it. */
  project?(object: KubeObject): KubeObject;
};

type Spec = { replicas?: number; suspend?: boolean; template?: k8s.V1PodTemplateSpec; jobTemplate?: { spec?: { template?: k8s.V1PodTemplateSpec } } };
const spec = (workload: KubeObject) => (workload.spec ?? {}) as Spec;
const never = () => false;

export const WORKLOAD_KINDS: readonly WorkloadKind[] = [
  {
    kind: 'deployment',
    objectKind: 'Deployment',
    apiVersion: 'apps/v1',
    apiPath: '/apis/apps/v1/deployments',
    resource: 'deployments.apps',
    podSpec: (w) => spec(w).template?.spec,
    project: templatedProjection,
    disabled: (w) => spec(w).replicas === 0,
    finished: never,
  },
  {
    kind: 'statefulset',
    objectKind: 'StatefulSet',
    apiVersion: 'apps/v1',
    apiPath: '/apis/apps/v1/statefulsets',
    resource: 'statefulsets.apps',
    podSpec: (w) => spec(w).template?.spec,
    project: templatedProjection,
    disabled: (w) => spec(w).replicas === 0,
    finished: never,
  },
  {
    kind: 'daemonset',
    objectKind: 'DaemonSet',
    apiVersion: 'apps/v1',
    apiPath: '/apis/apps/v1/daemonsets',
    resource: 'daemonsets.apps',
    podSpec: (w) => spec(w).template?.spec,
    project: templatedProjection,
    disabled: never,
    finished: never,
  },
  {
    kind: 'cronjob',
    objectKind: 'CronJob',
    apiVersion: 'batch/v1',
    apiPath: '/apis/batch/v1/cronjobs',
    resource: 'cronjobs.batch',
    podSpec: (w) => spec(w).jobTemplate?.spec?.template?.spec,
    disabled: (w) => spec(w).suspend === true,
    finished: never,
    project: cronJobProjection,
  },
];

type JobStatus = { conditions?: Array<{ type?: string; status?: string }> };
type PodStatus = { phase?: string };

/** Jobs not created by a CronJob (--check-jobs). */
export const JOB_KIND: WorkloadKind = {
  kind: 'job',
  objectKind: 'Job',
  apiVersion: 'batch/v1',
  apiPath: '/apis/batch/v1/jobs',
  resource: 'jobs.batch',
  podSpec: (w) => spec(w).template?.spec,
  disabled: (w) => spec(w).suspend === true,
  // The job controller sets Complete or Failed once no pod will be started any more.
  finished: (w) => ((w.status ?? {}) as JobStatus).conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') === true,
  project: jobProjection,
};

/** Pods no watched kind owns (--check-pods). */
export const POD_KIND: WorkloadKind = {
  kind: 'pod',
  objectKind: 'Pod',
  apiVersion: 'v1',
  apiPath: '/api/v1/pods',
  resource: 'pods',
  podSpec: (w) => w.spec as k8s.V1PodSpec | undefined,
  disabled: never,
  // A pod in phase Succeeded or Failed has stopped all its containers for good.
  finished: (w) => ['Succeeded', 'Failed'].includes(((w.status ?? {}) as PodStatus).phase ?? ''),
  project: podProjection,
};
