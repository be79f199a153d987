// Azure Container Registry without pull secrets: a managed identity's Azure AD token from the
// instance metadata service (IMDS; AZURE_CLIENT_ID picks a user-assigned identity, e.g. the AKS
// kubelet identity), exchanged at the registry's /oauth2/exchange for an ACR refresh token, which
// the registry accepts as the password of the all-zero user.
import type { Credential } from '../credentials.js';
import { printable } from '../../../bounds/printable.js';
import { ExpiringCache } from '../../expiring-cache.js';
import { CLOUD_RENEWAL_MARGIN_MS, CloudCredentialError, CloudProvider, secondsField, type MetadataHttp, type ProviderLog } from './common.js';

export const ACR_USERNAME = '00000000-0000-0000-0000-000000000000';
const IMDS_TOKEN_PATH = '/metadata/identity/oauth2/token';
const DEFAULT_IMDS_URL = 'http://169.254.169.254';
const EXCHANGE_PATH = '/oauth2/exchange';

/** Registry domain → the Azure Resource Manager audience of that cloud, which ACR's exchange accepts. */
const CLOUDS: Record<string, string> = {
  'azurecr.io': 'https://management.azure.com/',
  'azurecr.cn': 'https://management.chinacloudapi.cn/',
  'azurecr.us': 'https://management.usgovcloudapi.net/',
  'azurecr.de': 'https://management.microsoftazure.de/',
};

/** The AAD resource (audience) of an ACR login server, or undefined when the host is not one. */
export function acrResource(host: string): string | undefined {
  const match = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(azurecr\.(?:io|cn|us|de))$/.exec(host.toLowerCase());
  return match ? CLOUDS[match[1]] : undefined;
}

/**
 * POSTs a form to a registry's own origin, over the scheme and with the TLS settings the registry is
 * reached with (the registry client's): the exchange sends an Azure AD token, which must not travel
 * over plain HTTP unless the registry itself is configured so.
 */
export type RegistryFormPost = (host: string, path: string, form: Record<string, string>) => Promise<{ status: number; body?: string; url: URL }>;

export type AcrOptions = {
  imdsUrl: string;
  /** A user-assigned identity's client ID; none: the system-assigned identity. */
  clientId?: string;
  /** Registry hosts served by ACR although their name does not say so (of the public Azure cloud). */
  extraHosts: string[];
  http: MetadataHttp;
  post: RegistryFormPost;
  log: ProviderLog;
};

type AadToken = { token: string; expiresAt: number };

export class AcrProvider extends CloudProvider {
  private readonly aadTokens = new ExpiringCache<AadToken>(CLOUD_RENEWAL_MARGIN_MS);

  constructor(private readonly options: AcrOptions) {
    super('acr', options.log, options.extraHosts);
  }

  /** A refresh token is per registry. */
  protected tokenKey(host: string): string | undefined {
    return acrResource(host) !== undefined || this.extraHosts.has(host) ? host : undefined;
  }

  protected async fetchCredential(_key: string, host: string): Promise<{ value: Credential; expiresAt: number }> {
    const resource = acrResource(host) ?? CLOUDS['azurecr.io'];
    const aad = await this.aadTokens.getOrFetch(resource, async () => {
      const token = await this.aadToken(resource);
      return { value: token, expiresAt: token.expiresAt };
    });
    const refreshToken = await this.exchange(host, aad.token);
    return {
      value: { username: ACR_USERNAME, password: refreshToken, source: `ACR refresh token of ${host}` },
      expiresAt: jwtExpiry(refreshToken) ?? aad.expiresAt,
    };
  }

  private async aadToken(resource: string): Promise<AadToken> {
    const url = new URL(IMDS_TOKEN_PATH, this.options.imdsUrl);
    url.searchParams.set('api-version', '2018-02-01');
    url.searchParams.set('resource', resource);
    if (this.options.clientId) url.searchParams.set('client_id', this.options.clientId);
    const answer = await this.options.http.getJson(url, { metadata: 'true' }, 'the instance metadata service');
    const token = answer.access_token;
    if (typeof token !== 'string' || token === '') throw new CloudCredentialError(`the instance metadata service ${url.origin} answered without an access_token`);
    const expiresOn = secondsField(answer.expires_on);
    const lifetime = secondsField(answer.expires_in);
    const expiresAt = expiresOn ?? (lifetime !== undefined ? Date.now() + lifetime : undefined);
    if (expiresAt === undefined) throw new CloudCredentialError(`the instance metadata service ${url.origin} answered without a valid expiry`);
    return { token, expiresAt };
  }

  private async exchange(host: string, accessToken: string): Promise<string> {
    let reply;
    try {
      reply = await this.options.post(host, EXCHANGE_PATH, { grant_type: 'access_token', service: host, access_token: accessToken });
    } catch (error) {
      throw new CloudCredentialError(`the token exchange of ${host} did not answer: ${printable((error as Error)?.message ?? String(error), 200)}`);
    }
    const where = `the token exchange ${reply.url.origin}${reply.url.pathname}`;
    if (reply.status !== 200) throw new CloudCredentialError(`${where} answered ${reply.status}`);
    let parsed: { refresh_token?: unknown };
    try {
      parsed = JSON.parse(reply.body ?? '');
    } catch {
      throw new CloudCredentialError(`${where} answered with something that is not JSON`);
    }
    if (typeof parsed?.refresh_token !== 'string' || parsed.refresh_token === '') throw new CloudCredentialError(`${where} answered without a refresh_token`);
    return parsed.refresh_token;
  }
}

/** The `exp` of a JWT, in milliseconds, when the token is one (ACR refresh tokens are); undefined otherwise. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) && exp * 1000 > Date.now() ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export function acrImdsUrl(endpoint: string | undefined): string {
  return endpoint || DEFAULT_IMDS_URL;
}
