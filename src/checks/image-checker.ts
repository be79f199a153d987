// One check of one unit, with the credentials the kubelet would use: its pull secrets (as the
// kubelet builds its keyring from them), then the credential providers → the registry.
import { MAX_PULL_SECRETS, type CheckUnit } from '../index/image-index.js';
import type { PullSecrets } from '../kube/pull-secrets.js';
import type { CheckResult, RegistryClient } from '../registry/client.js';
import { checkWithProviders, DockerConfigProvider, type CredentialProvider } from '../registry/credentials/credential-provider.js';

export type SecretsSource = Pick<PullSecrets, 'keyring'>;

export function imageChecker(client: Pick<RegistryClient, 'check'>, secrets: SecretsSource | undefined, providers: CredentialProvider[] = []) {
  return async (unit: CheckUnit): Promise<CheckResult> => {
    if (unit.pullSecretsOverLimit !== undefined) {
      return {
        status: 'unknown_error',
        message: `the pod template names ${unit.pullSecretsOverLimit} pull secrets, more than the ${MAX_PULL_SECRETS} the exporter reads per workload; the kubelet would try them all, so no answer is given: name fewer`,
      };
    }
    const answer = unit.namespace && secrets ? await secrets.keyring(unit.namespace, unit.pullSecrets) : { kind: 'keyring' as const, entries: [], notes: [] };
    if (answer.kind === 'refused') return { status: 'authentication_failure', message: answer.reason };
    if (answer.kind === 'unknown') return { status: 'unknown_error', message: answer.reason, inconclusive: true };
    if (answer.kind === 'overLimit') return { status: 'unknown_error', message: answer.reason };
    const result = await checkWithProviders(client, unit.reference, [new DockerConfigProvider(answer.entries), ...providers]);
    return answer.notes.length === 0 ? result : { ...result, message: `${result.message} (${answer.notes.join('; ')})` };
  };
}
