// Bearer tokens for the registries' token servers: asked for as containerd asks (token-fetch.ts),
// kept until shortly before they expire, and asked for several repositories at once when the
// repositories of one token server and credential are checked in turn (recent-scopes.ts).
import type { Credential } from '../credentials/credentials.js';
import { ExpiringCache, type Fetched } from '../expiring-cache.js';
import { credentialId, type HostAuth } from './host-auth.js';
import { RecentScopes } from './recent-scopes.js';
import { basicAuthorization, fetchToken, TokenRefused } from './token-fetch.js';
import { ProtocolError, type Transport } from '../transport/transport.js';

const TOKEN_RENEWAL_MARGIN_MS = 30_000;

/** An Authorization header, whether it came from the token cache, whether its token was asked for several scopes, and whether it is a Bearer token. */
export type Authorization = { header: string; fromCache: boolean; shared: boolean; bearer: boolean };

export class BearerTokens {
  /** Bearer tokens per realm + service + scope + credential; `shared`: asked for several scopes, so a refusal is worth one retry with a token of this scope alone. */
  private readonly tokens = new ExpiringCache<{ token: string; shared: boolean }>(TOKEN_RENEWAL_MARGIN_MS);
  private readonly recentScopes: RecentScopes;
  /** Token servers (realm + service) that refused a request for several scopes but granted one alone. */
  private readonly singleScopeServers = new Set<string>();

  constructor(
    private readonly transport: Transport,
    /** The scheme the registry answers on: credentials go to a plain-HTTP realm only from a plain-HTTP registry. */
    private readonly schemeOf: (host: string) => 'https:' | 'http:',
    scopeMemoryMs?: number,
  ) {
    this.recentScopes = new RecentScopes(scopeMemoryMs);
  }

  /** Forgets the token of one scope, refused by the registry. */
  invalidate(auth: Extract<HostAuth, { scheme: 'bearer' }>, scope: string, credential: Credential | undefined): void {
    this.tokens.invalidate(this.tokenKey(auth, scope, credential));
  }

  /**
   * The Authorization header for a host's scheme, whether it came from the token cache, and whether
   * its token was asked for several scopes. Unless `alone`, a token request also carries the scopes
   * of other repositories due soon (src/registry/recent-scopes.ts).
   */
  async authorizationFor(
    host: string,
    auth: HostAuth,
    scope: string,
    credential: Credential | undefined,
    { alone = false } = {},
  ): Promise<Authorization | undefined> {
    if (auth.scheme === 'none') return undefined;
    if (auth.scheme === 'basic') return credential ? { header: basicAuthorization(credential), fromCache: false, shared: false, bearer: false } : undefined;
    const key = this.tokenKey(auth, scope, credential);
    const group = this.scopeGroup(auth, credential);
    this.recentScopes.used(group, scope);
    if (alone) this.tokens.invalidate(key);
    const cached = this.tokens.get(key);
    if (cached !== undefined) return { header: `Bearer ${cached.token}`, fromCache: true, shared: cached.shared, bearer: true };
    const companions =
      alone || this.singleScopeServers.has(this.tokenServer(auth))
        ? []
        : this.recentScopes.companions(group, scope, (other) => this.tokens.needsFetch(this.tokenKey(auth, other, credential)));
    const fetched = await this.tokens.getOrFetch(key, () => this.fetchTokenFor(host, auth, scope, companions, credential));
    return { header: `Bearer ${fetched.token}`, fromCache: false, shared: fetched.shared, bearer: true };
  }

  /** A token for `scope` and its companions; if the server refuses the lot, one for `scope` alone. */
  private async fetchTokenFor(
    host: string,
    auth: Extract<HostAuth, { scheme: 'bearer' }>,
    scope: string,
    companions: string[],
    credential: Credential | undefined,
  ): Promise<Fetched<{ token: string; shared: boolean }>> {
    const fetched = (token: string, lifetimeSeconds: number, alsoFor: string[]) => ({
      value: { token, shared: alsoFor.length > 0 },
      expiresAt: Date.now() + lifetimeSeconds * 1000,
      alsoFor,
    });
    if (companions.length > 0) {
      try {
        const { token, lifetimeSeconds } = await this.fetchFromRealm(host, auth, [scope, ...companions], credential);
        return fetched(token, lifetimeSeconds, companions.map((other) => this.tokenKey(auth, other, credential)));
      } catch (error) {
        // 401 means the credentials, whatever the scopes; anything else may be the number of scopes.
        const scopesMayBeTheCause = (error instanceof TokenRefused && error.httpStatus !== 401) || error instanceof ProtocolError;
        if (!scopesMayBeTheCause) throw error;
        const { token, lifetimeSeconds } = await this.fetchFromRealm(host, auth, [scope], credential);
        this.singleScopeServers.add(this.tokenServer(auth));
        return fetched(token, lifetimeSeconds, []);
      }
    }
    const { token, lifetimeSeconds } = await this.fetchFromRealm(host, auth, [scope], credential);
    return fetched(token, lifetimeSeconds, []);
  }

  /** Credentials go to a plain-HTTP realm only from a plain-HTTP registry. */
  private async fetchFromRealm(host: string, auth: Extract<HostAuth, { scheme: 'bearer' }>, scopes: string[], credential: Credential | undefined) {
    const registryScheme = this.schemeOf(host);
    if (credential && new URL(auth.realm).protocol === 'http:' && registryScheme === 'https:') {
      throw new ProtocolError(`token realm ${new URL(auth.realm).origin} is plain HTTP; credentials are not sent there`);
    }
    return fetchToken(this.transport, host, auth, scopes, credential);
  }

  private tokenServer(auth: Extract<HostAuth, { scheme: 'bearer' }>): string {
    return `${auth.realm}\u0000${auth.service ?? ''}`;
  }

  /** The scopes one token may cover: same token server, same credential. */
  private scopeGroup(auth: Extract<HostAuth, { scheme: 'bearer' }>, credential: Credential | undefined): string {
    return `${this.tokenServer(auth)}\u0000${credentialId(credential)}`;
  }

  private tokenKey(auth: Extract<HostAuth, { scheme: 'bearer' }>, scope: string, credential: Credential | undefined): string {
    return `${this.tokenServer(auth)}\u0000${scope}\u0000${credentialId(credential)}`;
  }
}
