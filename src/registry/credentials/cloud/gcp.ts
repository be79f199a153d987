// Google Artifact Registry and Container Registry without pull secrets: an access token of the
// pod's service account from the metadata server (on GKE with Workload Identity, the GKE metadata
// server answers for the Kubernetes service account's bound Google service account), presented
// as the registry's documented user "oauth2accesstoken".
import type { Credential } from '../credentials.js';
import { CloudCredentialError, CloudProvider, secondsField, type MetadataHttp, type ProviderLog } from './common.js';

export const GCP_USERNAME = 'oauth2accesstoken';
const TOKEN_PATH = '/computeMetadata/v1/instance/service-accounts/default/token';
const DEFAULT_METADATA_URL = 'http://metadata.google.internal';
/** One token serves every Google registry: the service account is the pod's, not the registry's. */
const TOKEN_KEY = 'default service account';

/** gcr.io, its regional hosts (eu.gcr.io, ...) and Artifact Registry's <location>-docker.pkg.dev. */
export function isGcpRegistry(host: string): boolean {
  return /^(?:[a-z0-9-]+\.)?gcr\.io$|^[a-z0-9-]+-docker\.pkg\.dev$/.test(host.toLowerCase());
}

/** The metadata server: the setting, else GCE_METADATA_HOST (host[:port], Google's client libraries' convention), else the real one. */
export function gcpMetadataUrl(endpoint: string | undefined, env: NodeJS.ProcessEnv): string {
  if (endpoint) return endpoint;
  if (env.GCE_METADATA_HOST) return `http://${env.GCE_METADATA_HOST}`;
  return DEFAULT_METADATA_URL;
}

export type GcpOptions = {
  metadataUrl: string;
  /** Registry hosts served by Google although their name does not say so. */
  extraHosts: string[];
  http: MetadataHttp;
  log: ProviderLog;
};

export class GcpProvider extends CloudProvider {

  constructor(private readonly options: GcpOptions) {
    super('gcp', options.log, options.extraHosts);
  }

  protected tokenKey(host: string): string | undefined {
    return isGcpRegistry(host) || this.extraHosts.has(host) ? TOKEN_KEY : undefined;
  }

  protected async fetchCredential(): Promise<{ value: Credential; expiresAt: number }> {
    const url = new URL(TOKEN_PATH, this.options.metadataUrl);
    const answer = await this.options.http.getJson(url, { 'metadata-flavor': 'Google' }, 'the metadata server');
    const token = answer.access_token;
    if (typeof token !== 'string' || token === '') throw new CloudCredentialError(`the metadata server ${url.origin} answered without an access_token`);
    const lifetimeMs = secondsField(answer.expires_in);
    if (lifetimeMs === undefined) throw new CloudCredentialError(`the metadata server ${url.origin} answered without a valid expires_in`);
    return {
      value: { username: GCP_USERNAME, password: token, source: 'GCP metadata server token' },
      expiresAt: Date.now() + lifetimeMs,
    };
  }
}
