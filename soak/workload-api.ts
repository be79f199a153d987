// The four workload kinds as the soak writes them: one table of create, read, replace, delete and
// delete-collection calls, and the pod template each kind carries its containers in.
import * as k8s from '@kubernetes/client-node';
import type { KindName } from '../src/kube/workload-kinds.js';

export type Containers = { containers: Array<{ name: string; image: string }>; initContainers?: Array<{ name: string; image: string }> };
type Workload = { metadata?: k8s.V1ObjectMeta; spec?: unknown };

export type KindCalls = {
  create(namespace: string, name: string, pod: Containers): Promise<unknown>;
  read(namespace: string, name: string): Promise<Workload>;
  replace(namespace: string, name: string, body: Workload): Promise<unknown>;
  remove(namespace: string, name: string): Promise<unknown>;
  removeAll(namespace: string): Promise<unknown>;
  /** The pod spec inside an object of this kind, to change its images. */
  podSpec(object: Workload): k8s.V1PodSpec;
};

const template = (name: string, pod: Containers, restartPolicy: string): k8s.V1PodTemplateSpec => ({
  metadata: { labels: { app: name } },
  spec: { restartPolicy, containers: pod.containers, ...(pod.initContainers && { initContainers: pod.initContainers }) },
});
const selector = (name: string) => ({ matchLabels: { app: name } });

export function kindCalls(kc: k8s.KubeConfig): Record<KindName, KindCalls> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const appsSpec = (object: Workload) => (object.spec as { template: k8s.V1PodTemplateSpec }).template.spec!;
  return {
    deployment: {
      create: (namespace, name, pod) => apps.createNamespacedDeployment({ namespace, body: { metadata: { name }, spec: { selector: selector(name), template: template(name, pod, 'Always') } } }),
      read: (namespace, name) => apps.readNamespacedDeployment({ namespace, name }),
      replace: (namespace, name, body) => apps.replaceNamespacedDeployment({ namespace, name, body: body as k8s.V1Deployment }),
      remove: (namespace, name) => apps.deleteNamespacedDeployment({ namespace, name }),
      removeAll: (namespace) => apps.deleteCollectionNamespacedDeployment({ namespace }),
      podSpec: appsSpec,
    },
    statefulset: {
      create: (namespace, name, pod) =>
        apps.createNamespacedStatefulSet({ namespace, body: { metadata: { name }, spec: { serviceName: name, selector: selector(name), template: template(name, pod, 'Always') } } }),
      read: (namespace, name) => apps.readNamespacedStatefulSet({ namespace, name }),
      replace: (namespace, name, body) => apps.replaceNamespacedStatefulSet({ namespace, name, body: body as k8s.V1StatefulSet }),
      remove: (namespace, name) => apps.deleteNamespacedStatefulSet({ namespace, name }),
      removeAll: (namespace) => apps.deleteCollectionNamespacedStatefulSet({ namespace }),
      podSpec: appsSpec,
    },
    daemonset: {
      create: (namespace, name, pod) => apps.createNamespacedDaemonSet({ namespace, body: { metadata: { name }, spec: { selector: selector(name), template: template(name, pod, 'Always') } } }),
      read: (namespace, name) => apps.readNamespacedDaemonSet({ namespace, name }),
      replace: (namespace, name, body) => apps.replaceNamespacedDaemonSet({ namespace, name, body: body as k8s.V1DaemonSet }),
      remove: (namespace, name) => apps.deleteNamespacedDaemonSet({ namespace, name }),
      removeAll: (namespace) => apps.deleteCollectionNamespacedDaemonSet({ namespace }),
      podSpec: appsSpec,
    },
    cronjob: {
      create: (namespace, name, pod) =>
        batch.createNamespacedCronJob({ namespace, body: { metadata: { name }, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: template(name, pod, 'OnFailure') } } } } }),
      read: (namespace, name) => batch.readNamespacedCronJob({ namespace, name }),
      replace: (namespace, name, body) => batch.replaceNamespacedCronJob({ namespace, name, body: body as k8s.V1CronJob }),
      remove: (namespace, name) => batch.deleteNamespacedCronJob({ namespace, name }),
      removeAll: (namespace) => batch.deleteCollectionNamespacedCronJob({ namespace }),
      podSpec: (object) => (object.spec as k8s.V1CronJobSpec).jobTemplate.spec!.template.spec!,
    },
  };
}
