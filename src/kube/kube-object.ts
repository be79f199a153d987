// The shape every watched object is kept in (workloads, Pods, Jobs, ReplicaSets): what the kind
// table (workload-kinds.ts) and the projections that shrink each object (object-projection.ts)
// both speak, so neither has to import the other for it.
import type * as k8s from '@kubernetes/client-node';

export type OwnerReference = k8s.V1OwnerReference;

export type KubeObject = {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; ownerReferences?: OwnerReference[]; annotations?: Record<string, string> };
  spec?: unknown;
  status?: unknown;
};
