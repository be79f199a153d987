// The four workload kinds as one table: where to list them, where their pod template lives, and
// when a workload counts as disabled (nothing of it runs, so a missing image hurts nobody yet).
import * as k8s from '@kubernetes/client-node';

export const KIND_NAMES = ['deployment', 'statefulset', 'daemonset', 'cronjob'] as const;
export type KindName = (typeof KIND_NAMES)[number];

export type KubeObject = {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
  spec?: unknown;
};

export type KindApis = { apps: k8s.AppsV1Api; batch: k8s.BatchV1Api };
type ListPage = { items: KubeObject[]; metadata?: { resourceVersion?: string; _continue?: string } };

export type WorkloadKind = {
  kind: KindName;
  /** The object's own kind and apiVersion, for references to it (Events). */
  objectKind: string;
  apiVersion: string;
  /** Watch path, cluster-wide. */
  apiPath: string;
  /** The RBAC resource, for error messages that say which rule is missing. */
  resource: string;
  listPage(apis: KindApis, page: { limit: number; _continue?: string }): Promise<ListPage>;
  podSpec(workload: KubeObject): k8s.V1PodSpec | undefined;
  disabled(workload: KubeObject): boolean;
};

type Spec = { replicas?: number; suspend?: boolean; template?: k8s.V1PodTemplateSpec; jobTemplate?: { spec?: { template?: k8s.V1PodTemplateSpec } } };
const spec = (workload: KubeObject) => (workload.spec ?? {}) as Spec;

export const WORKLOAD_KINDS: readonly WorkloadKind[] = [
  {
    kind: 'deployment',
    objectKind: 'Deployment',
    apiVersion: 'apps/v1',
    apiPath: '/apis/apps/v1/deployments',
    resource: 'deployments.apps',
    listPage: (apis, page) => apis.apps.listDeploymentForAllNamespaces(page),
    podSpec: (w) => spec(w).template?.spec,
    disabled: (w) => spec(w).replicas === 0,
  },
  {
    kind: 'statefulset',
    objectKind: 'StatefulSet',
    apiVersion: 'apps/v1',
    apiPath: '/apis/apps/v1/statefulsets',
    resource: 'statefulsets.apps',
    listPage: (apis, page) => apis.apps.listStatefulSetForAllNamespaces(page),
    podSpec: (w) => spec(w).template?.spec,
    disabled: (w) => spec(w).replicas === 0,
  },
  {
    kind: 'daemonset',
    objectKind: 'DaemonSet',
    apiVersion: 'apps/v1',
    apiPath: '/apis/apps/v1/daemonsets',
    resource: 'daemonsets.apps',
    listPage: (apis, page) => apis.apps.listDaemonSetForAllNamespaces(page),
    podSpec: (w) => spec(w).template?.spec,
    disabled: () => false,
  },
  {
    kind: 'cronjob',
    objectKind: 'CronJob',
    apiVersion: 'batch/v1',
    apiPath: '/apis/batch/v1/cronjobs',
    resource: 'cronjobs.batch',
    listPage: (apis, page) => apis.batch.listCronJobForAllNamespaces(page),
    podSpec: (w) => spec(w).jobTemplate?.spec?.template?.spec,
    disabled: (w) => spec(w).suspend === true,
  },
];
