// One check of one unit: its pull secrets → the credentials the kubelet would use → the registry.
import type { CheckUnit } from '../index/image-index.js';
import type { PullSecrets } from '../kube/pull-secrets.js';
import type { CheckResult, RegistryClient } from '../registry/client.js';
import { matchCredentials } from '../registry/credentials.js';
import { repositoryName } from '../registry/reference.js';

export type SecretsSource = Pick<PullSecrets, 'entries'>;

export function imageChecker(client: RegistryClient, secrets: SecretsSource | undefined) {
  return async (unit: CheckUnit): Promise<CheckResult> => {
    const entries = unit.namespace && secrets ? await secrets.entries(unit.namespace, unit.pullSecrets) : [];
    return client.check(unit.reference, matchCredentials(entries, repositoryName(unit.reference)));
  };
}
