// Where credentials for a registry come from. Pull secrets (Docker config JSON) are one source;
// cloud registries (ECR, Artifact Registry/GCR, ACR) are others that need no secret. The checker
// asks every provider, in order, and tries what they give as the kubelet would.
import type { CheckResult, RegistryClient } from '../client.js';
import { matchCredentials, type Credential, type KeyringEntry } from './credentials.js';
import type { ImageReference } from '../references/reference.js';
import { MAX_REASON, registryText } from '../verdicts/registry-text.js';
import { repositoryName } from '../references/reference.js';

export interface CredentialProvider {
  /** Credentials to try for this image, most specific first; empty when the provider has none. */
  credentialsFor(reference: ImageReference): Promise<Credential[]>;
  /**
   * Why the provider had nothing for this image although it serves its registry (a token endpoint
   * down, say), while that lasts; safe to show. Providers that cannot fail leave it out.
   */
  unavailableReason?(reference: ImageReference): string | undefined;
  /**
   * The sources this provider looked in for the image (a node's docker config file, a plugin), for
   * the reason of a check that found no credentials anywhere; undefined when it looked nowhere.
   */
  consulted?(reference: ImageReference): string | undefined;
}

/**
 * Checks an image with what every provider gives, in order (the kubelet tries credentials so). A
 * failed check's reason names every source whose credentials were tried (the registry's answer
 * names only the last) and adds why any provider serving the registry came up empty: often the cause.
 */
export async function checkWithProviders(client: Pick<RegistryClient, 'check'>, reference: ImageReference, providers: CredentialProvider[]): Promise<CheckResult> {
  const credentials = (await Promise.all(providers.map((provider) => provider.credentialsFor(reference)))).flat();
  const result = await client.check(reference, credentials);
  if (result.status === 'available') return result;
  const reasons = providers.map((provider) => provider.unavailableReason?.(reference)).filter((reason): reason is string => !!reason);
  const sources = [...new Set(credentials.map((credential) => credential.source))];
  if (sources.length > 1) reasons.unshift(`credentials tried in turn: ${sources.join(', ')}`);
  if (credentials.length === 0) {
    const consulted = providers.map((provider) => provider.consulted?.(reference)).filter((source): source is string => !!source);
    if (consulted.length > 0) reasons.unshift(`none either from ${consulted.join(', ')}`);
  }
  return reasons.length === 0 ? result : { ...result, message: registryText(`${result.message} (${reasons.join('; ')})`, MAX_REASON) };
}

/** Keyring entries from Docker config JSON (pull secrets, ~/.docker/config.json) as a provider. */
export class DockerConfigProvider implements CredentialProvider {
  constructor(private readonly entries: KeyringEntry[]) {}

  async credentialsFor(reference: ImageReference): Promise<Credential[]> {
    return matchCredentials(this.entries, repositoryName(reference));
  }
}
