// Stands in for the Kubernetes API's Secret reads (no API server in the benchmark): one
// dockerconfigjson pull secret, parsed by the exporter's own secret parser on every read.
import type { SecretsSource } from '../../src/checks/image-checker.js';
import { credentialsFromSecret } from '../../src/registry/credentials/credentials.js';

export function pullSecretSource(registryHost: string, username: string, password: string): SecretsSource {
  const dockerConfig = JSON.stringify({ auths: { [registryHost]: { username, password } } });
  const data = { '.dockerconfigjson': Buffer.from(dockerConfig).toString('base64') };
  return {
    keyring: async (namespace: string, names: string[]) => ({
      kind: 'keyring' as const,
      entries: names.flatMap((name) => credentialsFromSecret('kubernetes.io/dockerconfigjson', data, `secret ${namespace}/${name}`)),
      notes: [],
    }),
  };
}
