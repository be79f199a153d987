// A custom workload kind for tests of --extra-workload: a Rollout-like resource with a pod template
// at spec.template and a replicas field, like Argo Rollouts', installed into the real API server.
import type * as k8s from '@kubernetes/client-node';

export const ROLLOUT_CRD: k8s.V1CustomResourceDefinition = {
  metadata: { name: 'rollouts.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'rollouts', singular: 'rollout', kind: 'Rollout', listKind: 'RolloutList' },
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } } },
      },
    ],
  },
};
