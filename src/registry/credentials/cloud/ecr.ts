// Amazon ECR without pull secrets: GetAuthorizationToken through the AWS SDK, with credentials from
// the SDK's standard chain (environment, IRSA web identity, EKS Pod Identity / ECS, EC2 instance
// role, profiles). One token per region serves every registry there the principal may pull from,
// as the kubelet's ecr-credential-provider uses it; it lives 12 hours.
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { Credential } from '../credentials.js';
import { CloudCredentialError, CloudProvider, describeFailure, type ProviderLog } from './common.js';

// The kubelet's ecr-credential-provider pattern: <account>.dkr.ecr[-fips].<region>.<partition domain>,
// and the dual-stack <account>.dkr-ecr.<region>.on.aws.
const ECR_HOST =
  /^(\d{12})\.dkr[.-]ecr(-fips)?\.([a-z0-9][a-z0-9-_]*)\.(amazonaws\.com(?:\.cn)?|on\.(?:aws|amazonwebservices\.com\.cn)|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$/;

export type EcrRegistry = { account: string; region: string; fips: boolean };

/** The account and region of an ECR registry host, or undefined when the host is not one. */
export function ecrRegistry(host: string): EcrRegistry | undefined {
  const match = ECR_HOST.exec(host.toLowerCase());
  return match ? { account: match[1], region: match[3], fips: match[2] !== undefined } : undefined;
}

export type EcrOptions = {
  /** The ECR API endpoint instead of the region's (a VPC endpoint, or a test's stand-in). */
  endpoint?: string;
  /** Registry hosts served by ECR although their name does not say so; their region is the AWS chain's default (AWS_REGION). */
  extraHosts: string[];
  timeoutMs: number;
  log: ProviderLog;
};

const DEFAULT_REGION_KEY = 'default region';

/**
 * Without an identity the chain ends at the instance metadata service, which may take seconds to
 * not answer off AWS: asked again only after this long, not at every check of an ECR image.
 */
const NO_IDENTITY_RECHECK_MS = 5 * 60_000;

/** The SDK's credential chain found no identity at all (not on AWS, or no role given to the pod). */
function isNoIdentity(error: unknown): boolean {
  const err = error as { name?: string; message?: string };
  return err?.name === 'CredentialsProviderError' && /Could not load credentials from any providers/.test(String(err.message));
}

export class EcrProvider extends CloudProvider {
  private readonly clients = new Map<string, ECRClient>();
  private noIdentityUntil = 0;

  constructor(private readonly options: EcrOptions) {
    super('ecr', options.log, options.extraHosts);
  }

  protected tokenKey(host: string): string | undefined {
    const registry = ecrRegistry(host);
    if (registry) return `${registry.region}${registry.fips ? ' fips' : ''}`;
    return this.extraHosts.has(host) ? DEFAULT_REGION_KEY : undefined;
  }

  protected async fetchCredential(key: string, host: string): Promise<{ value: Credential; expiresAt: number }> {
    const where = key === DEFAULT_REGION_KEY ? 'the default region' : key;
    const noIdentity = () => new CloudCredentialError('no AWS identity found (environment, web identity/IRSA, EKS Pod Identity, instance role, profiles)', true);
    if (Date.now() < this.noIdentityUntil) throw noIdentity();
    let answer;
    try {
      // Loaded on first use: installations without ECR never load the SDK.
      const { GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
      const client = await this.clientFor(key, ecrRegistry(host));
      answer = await client.send(new GetAuthorizationTokenCommand({}), { abortSignal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (error) {
      if (isNoIdentity(error)) {
        this.noIdentityUntil = Date.now() + NO_IDENTITY_RECHECK_MS;
        throw noIdentity();
      }
      throw new CloudCredentialError(`GetAuthorizationToken in ${where} failed: ${describeFailure(error)}`);
    }
    const data = answer.authorizationData?.[0];
    const decoded = data?.authorizationToken ? Buffer.from(data.authorizationToken, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new CloudCredentialError(`GetAuthorizationToken in ${where} answered without a "user:password" token`);
    const expiresAt = data?.expiresAt instanceof Date && !Number.isNaN(data.expiresAt.getTime()) ? data.expiresAt.getTime() : Date.now() + 60 * 60_000;
    return {
      value: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source: `ECR token (${where})` },
      expiresAt,
    };
  }

  async close(): Promise<void> {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  /** One SDK client per token key; without a registry (an extra host) the SDK finds the region itself. */
  private async clientFor(key: string, registry: EcrRegistry | undefined): Promise<ECRClient> {
    let client = this.clients.get(key);
    if (!client) {
      const { ECRClient } = await import('@aws-sdk/client-ecr');
      client = new ECRClient({
        region: registry?.region,
        useFipsEndpoint: registry?.fips ?? false,
        endpoint: this.options.endpoint,
        // One retry of the SDK's own; the scheduler retries a failed check later anyway.
        maxAttempts: 2,
        requestHandler: { connectionTimeout: this.options.timeoutMs, requestTimeout: this.options.timeoutMs, throwOnRequestTimeout: true },
      });
      this.clients.set(key, client);
    }
    return client;
  }
}
