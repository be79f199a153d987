// Where credentials for a registry come from. Pull secrets (Docker config JSON) are one source;
// cloud registries (ECR, Artifact Registry/GCR, ACR) are others that need no secret. The checker
// asks every provider, in order, and tries what they give as the kubelet would.
import { matchCredentials, type Credential, type KeyringEntry } from './credentials.js';
import type { ImageReference } from './reference.js';
import { repositoryName } from './reference.js';

export interface CredentialProvider {
  /** Credentials to try for this image, most specific first; empty when the provider has none. */
  credentialsFor(reference: ImageReference): Promise<Credential[]>;
}

/** Keyring entries from Docker config JSON (pull secrets, ~/.docker/config.json) as a provider. */
export class DockerConfigProvider implements CredentialProvider {
  constructor(private readonly entries: KeyringEntry[]) {}

  async credentialsFor(reference: ImageReference): Promise<Credential[]> {
    return matchCredentials(this.entries, repositoryName(reference));
  }
}
