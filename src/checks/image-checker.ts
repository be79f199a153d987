// One check of one unit: its pull secrets, then any cloud credential providers → the credentials
// the kubelet would use → the registry.
import type { CheckUnit } from '../index/image-index.js';
import type { PullSecrets } from '../kube/pull-secrets.js';
import type { CheckResult, RegistryClient } from '../registry/client.js';
import { checkWithProviders, DockerConfigProvider, type CredentialProvider } from '../registry/credential-provider.js';

export type SecretsSource = Pick<PullSecrets, 'entries'>;

export function imageChecker(client: RegistryClient, secrets: SecretsSource | undefined, providers: CredentialProvider[] = []) {
  return async (unit: CheckUnit): Promise<CheckResult> => {
    const entries = unit.namespace && secrets ? await secrets.entries(unit.namespace, unit.pullSecrets) : [];
    return checkWithProviders(client, unit.reference, [new DockerConfigProvider(entries), ...providers]);
  };
}
