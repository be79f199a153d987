// The objects of one scenario: its Secrets and ServiceAccount, named after its pod, and the pod on
// the node (host network, never restarted, pulled at every start), all labelled with its batch.
import { NODE_NAME } from '../support/node.js';
import type { PodSetup } from './scenario-types.js';

export const NAMESPACE = 'oracle';
export const BATCH_LABEL = 'oracle-batch';

export function scenarioObjects(pod: string, batch: number, setup: PodSetup): object[] {
  const metadata = (name: string) => ({ name, namespace: NAMESPACE, labels: { [BATCH_LABEL]: String(batch) } });
  const secretName = (name: string) => `${pod}-${name}`;
  const secrets = (setup.secrets ?? []).map((secret) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata(secretName(secret.name)),
    type: secret.type ?? 'Opaque',
    stringData: secret.data,
  }));
  const serviceAccount = setup.serviceAccountPullSecrets && {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: metadata(pod),
    automountServiceAccountToken: false,
    imagePullSecrets: setup.serviceAccountPullSecrets.map((name) => ({ name: secretName(name) })),
  };
  const podObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata(pod),
    spec: {
      nodeName: NODE_NAME,
      hostNetwork: true,
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      automountServiceAccountToken: false,
      ...(serviceAccount && { serviceAccountName: pod }),
      ...(setup.pullSecrets && { imagePullSecrets: setup.pullSecrets.map((name) => ({ name: secretName(name) })) }),
      tolerations: [{ operator: 'Exists' }],
      containers: [{ name: 'app', image: setup.image, imagePullPolicy: 'Always' }],
    },
  };
  return [...secrets, ...(serviceAccount ? [serviceAccount] : []), podObject];
}
