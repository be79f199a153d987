// Asks a registry whether one image's manifest exists: HEAD /v2/<repo>/manifests/<ref>,
// answering the registry's challenge (Basic, or Bearer via its token server) with the credentials
// the kubelet would use, and remembering what each registry wants so a steady-state check is one
// request.
import { createHash } from 'node:crypto';
import type { Status } from '../status.js';
import { parseChallenges, type Challenge } from './challenge.js';
import { classify, type Outcome } from './classify.js';
import { explain, manifestReason, networkReason, tokenReason, type FailureClass, type Reason } from './reasons.js';
import { credentialSecrets, MAX_REASON, redact, registryText } from './registry-text.js';
import type { Credential } from './credentials.js';
import { DOCKER_HUB, DOCKER_HUB_API_HOST, manifestReference, type ImageReference } from './reference.js';
import { RecentScopes } from './recent-scopes.js';
import { ExpiringCache, type Fetched } from './expiring-cache.js';
import { plainHttpFallback } from './plain-http.js';
import { NetworkError, ProtocolError, Transport, type Reply, type TransportOptions } from './transport.js';

export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
  'application/vnd.docker.distribution.manifest.v1+json',
];
const ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

export type CheckResult = {
  status: Status;
  /** Why, in words, for logs and the status page; never contains a secret. */
  message: string;
  digest?: string;
  mediaType?: string;
  /** Set when the registry asked us to slow down (429 Retry-After). */
  retryAfterMs?: number;
  /** os/architecture pairs of a manifest list or OCI index, when platforms are asked for. */
  platforms?: string[];
  /** No answer could be had (a pull secret never read): the unit keeps its last status and is retried. */
  inconclusive?: boolean;
  /** What kind of failure, for a hint on what to do (hintFor in reasons.ts); unset when available. */
  failure?: FailureClass;
};

export type RegistryClientOptions = TransportOptions & {
  /** Hosts that may be reached over plain HTTP when HTTPS fails; "*" is every host. */
  plainHttpHosts: string[];
  /** Loopback registries (localhost, 127.0.0.0/8, ::1) may too, without being named. */
  plainHttpLoopback?: boolean;
  /** Also read the platforms of multi-platform images (one GET more for those). */
  readPlatforms?: boolean;
  /** How long a repository not checked any more still rides along on token requests (default 15 min); about twice the check interval. */
  scopeMemoryMs?: number;
};

/** The spec's default when the token server gives no expires_in. */
const DEFAULT_TOKEN_LIFETIME_S = 60;
const TOKEN_RENEWAL_MARGIN_MS = 30_000;
const REPOSITORY_ANSWER_MS = 10 * 60_000;

const INDEX_MEDIA_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

/** How a registry host wants to be authenticated, learnt from its first challenge. */
type HostAuth = { scheme: 'none' } | { scheme: 'basic' } | { scheme: 'bearer'; realm: string; service?: string };

export class RegistryClient {
  private readonly transport: Transport;
  /** Bearer tokens per realm + service + scope + credential; `shared`: asked for several scopes, so a refusal is worth one retry with a token of this scope alone. */
  private readonly tokens = new ExpiringCache<{ token: string; shared: boolean }>(TOKEN_RENEWAL_MARGIN_MS);
  private readonly recentScopes: RecentScopes;
  /** Token servers (realm + service) that refused a request for several scopes but granted one alone. */
  private readonly singleScopeServers = new Set<string>();
  private readonly hostAuth = new Map<string, HostAuth>();
  private readonly hostScheme = new Map<string, 'https:' | 'http:'>();
  private readonly mayUsePlainHttp: (host: string, code: string) => boolean;
  private readonly readPlatforms: boolean;
  private readonly requestTimeoutMs: number;
  /** host/repository → whether it exists, asked after a 404 so the reason says tag or repository. */
  private readonly repositoryKnown = new ExpiringCache<'yes' | 'no' | 'unknown'>(0);
  /** Index digest → its platforms: an index is immutable, so it is read once, not every check. */
  private readonly platformsByDigest = new Map<string, string[]>();

  constructor(options: RegistryClientOptions) {
    this.transport = new Transport(options);
    this.requestTimeoutMs = options.requestTimeoutMs;
    this.recentScopes = new RecentScopes(options.scopeMemoryMs);
    this.readPlatforms = options.readPlatforms ?? false;
    this.mayUsePlainHttp = plainHttpFallback({ hosts: options.plainHttpHosts, loopback: options.plainHttpLoopback });
  }

  /**
   * Checks one image. With several matching credentials each is tried in turn, as the kubelet
   * does; the first that is not an authentication failure decides. None: anonymous. One without a
   * username (a docker config entry `{}`) is an anonymous attempt, as containerd makes it.
   */
  async check(reference: ImageReference, credentials: Credential[]): Promise<CheckResult> {
    const attempts: Array<Credential | undefined> = credentials.length > 0 ? credentials.map((c) => (c.username === '' ? undefined : c)) : [undefined];
    // Every credential of this check, and each token it gets: a registry may echo one attempt's secret in another's reply.
    const secrets = credentials.flatMap((credential) => credentialSecrets(credential));
    let result: CheckResult | undefined;
    for (const credential of attempts) {
      result = await this.checkWith(reference, credential, secrets);
      if (result.status !== 'authentication_failure') return result;
    }
    return result as CheckResult;
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  /**
   * One attempt with one credential. Whatever secret the check sends (`secrets`, to which the tokens
   * it gets are added) is cut out of the text the registry and its token server chose, where an
   * echo can be, never out of the exporter's own words (a password "wrong" would cut them up);
   * the reason is bounded.
   */
  private async checkWith(reference: ImageReference, credential: Credential | undefined, secrets: string[]): Promise<CheckResult> {
    let result: CheckResult;
    try {
      result = await this.attempt(reference, credential, secrets);
    } catch (error) {
      result = this.failure(error, credential, secrets);
    }
    return { ...result, message: registryText(result.message, MAX_REASON) };
  }

  private async attempt(reference: ImageReference, credential: Credential | undefined, secrets: string[]): Promise<CheckResult> {
    const host = apiHost(reference.registry);
    const scope = `repository:${reference.repository}:pull`;
    const path = `/v2/${reference.repository}/manifests/${manifestReference(reference)}`;
    const sending = (authorization: Awaited<ReturnType<RegistryClient['authorizationFor']>>) => {
      if (authorization) secrets.push(authorization.header.slice(authorization.header.indexOf(' ') + 1));
      return authorization;
    };
    let known = this.hostAuth.get(host);
    let sent: Awaited<ReturnType<RegistryClient['authorizationFor']>>;
    try {
      sent = sending(known ? await this.authorizationFor(host, known, scope, credential) : undefined);
    } catch (error) {
        // The token server learnt from an earlier challenge failed: it may have moved. Ask the
        // registry afresh (a HEAD without token), as a newly started exporter would. A refusal of
        // the credentials is an answer, not a failure, and stands.
      if (error instanceof TokenRefused && (error.httpStatus === 401 || error.httpStatus === 403)) throw error;
      this.hostAuth.delete(host);
      known = undefined;
      sent = undefined;
    }
    let reply = await this.manifestHead(host, path, sent?.header);

    if (reply.status === 401) {
      const challenge = pickChallenge(reply.headers['www-authenticate']);
      if (!challenge) {
        return this.result({ kind: 'reply', phase: 'manifest', httpStatus: 401, presentedCredentials: !!credential }, explain('unexpected-reply', `${host} answered 401 without a Basic or Bearer challenge`));
      }
      const learnt = hostAuthFrom(challenge);
      this.hostAuth.set(host, learnt);
      if (known?.scheme === 'bearer') this.tokens.invalidate(this.tokenKey(known, scope, credential));
      // A fresh answer to the same challenge that was refused is final; anything else earns one
      // retry, with a token asked for this scope alone.
      const finalRefusal = sent !== undefined && !sent.fromCache && !sent.shared && sameAuth(known, learnt);
      if (!finalRefusal) {
        if (learnt.scheme === 'basic' && !credential) return this.interpretManifestReply(host, reference, reply, undefined, undefined, secrets);
        sent = sending(await this.authorizationFor(host, learnt, scope, credential, { alone: true }));
        reply = await this.manifestHead(host, path, sent?.header);
      }
    } else if (!known) {
      this.hostAuth.set(host, { scheme: 'none' });
    }
    const result = await this.interpretManifestReply(host, reference, reply, credential, sent?.header, secrets);
    if (this.readPlatforms && result.mediaType && INDEX_MEDIA_TYPES.has(result.mediaType.split(';')[0].trim())) {
      const cached = result.digest ? this.platformsByDigest.get(result.digest) : undefined;
      result.platforms = cached ?? (await this.indexPlatforms(host, path, sent?.header));
      if (!cached && result.digest && result.platforms) this.rememberPlatforms(result.digest, result.platforms);
    }
    return result;
  }

  private async interpretManifestReply(
    host: string,
    reference: ImageReference,
    reply: Reply,
    credential: Credential | undefined,
    authorization: string | undefined,
    secrets: string[],
  ): Promise<CheckResult> {
    const challenge = pickChallenge(reply.headers['www-authenticate']);
    // Registry-chosen text: secrets out before it is cut, so no part of one survives the cut.
    const chosen = (text: string | undefined) => (text ? registryText(redact(text, secrets)) : undefined);
    const outcome: Outcome = {
      kind: 'reply',
      phase: 'manifest',
      httpStatus: reply.status,
      presentedCredentials: !!credential,
      challengeError: challenge?.params.error,
    };
    let repositoryExists: boolean | undefined;
    if (reply.status === 404) {
      if (!reply.headers['docker-distribution-api-version']) {
        // Some registries omit the version header; only /v2/ itself tells "no such image" from "no v2 API".
        const ping = await this.send(host, 'ping', '/v2/', undefined);
        if (classify({ kind: 'reply', phase: 'ping', httpStatus: ping.status, presentedCredentials: false }) === 'registry_v1_api_not_supported') {
          return this.result({ kind: 'reply', phase: 'ping', httpStatus: 404, presentedCredentials: false }, explain('no-v2-api', `${host} has no /v2/ API (404)`));
        }
      }
      repositoryExists = await this.repositoryExists(host, reference, authorization);
    }
    const retryAfter = reply.status === 429 ? retryAfterMs(header(reply, 'retry-after')) : undefined;
    const result = this.result(
      outcome,
      manifestReason({
        httpStatus: reply.status,
        host,
        repository: reference.repository,
        reference: manifestReference(reference),
        credentialsFrom: credential?.source,
        challengeError: chosen(challenge?.params.error),
        challengeDescription: chosen(challenge?.params.error_description),
        repositoryExists,
        retryAfterMs: retryAfter,
      }),
    );
    if (result.status === 'available') {
      result.digest = header(reply, 'docker-content-digest');
      result.mediaType = header(reply, 'content-type');
    }
    if (retryAfter !== undefined) result.retryAfterMs = retryAfter;
    return result;
  }

  /**
   * After a 404 on a manifest: does the repository exist? A HEAD carries no error body, so its 404
   * cannot tell a missing tag from a missing repository; the tag list can (404 NAME_UNKNOWN). One
   * tag asked for, so the answer stays small. Undefined when the registry does not say.
   */
  private async repositoryExists(host: string, reference: ImageReference, authorization: string | undefined): Promise<boolean | undefined> {
    // Remembered a while: an absent image is checked every interval, the answer only words its reason.
    const known = await this.repositoryKnown.getOrFetch(`${host}/${reference.repository}`, async () => {
      let answer: 'yes' | 'no' | 'unknown' = 'unknown';
      try {
        const reply = await this.send(host, 'tags', `/v2/${reference.repository}/tags/list?n=1`, authorization);
        if (reply.status === 200) answer = 'yes';
        else if (reply.status === 404 && /NAME_UNKNOWN/.test(reply.body ?? '')) answer = 'no';
      } catch {
        // The check's status stands without this; the reason is only less precise.
      }
      return { value: answer, expiresAt: Date.now() + REPOSITORY_ANSWER_MS };
    });
    return known === 'unknown' ? undefined : known === 'yes';
  }

  private rememberPlatforms(digest: string, platforms: string[]): void {
    // Bounded: old digests are dropped first (Map keeps insertion order).
    if (this.platformsByDigest.size >= 10_000) this.platformsByDigest.delete(this.platformsByDigest.keys().next().value!);
    this.platformsByDigest.set(digest, platforms);
  }

  /** The platforms an index lists; undefined when it cannot be read (the check itself stands). */
  private async indexPlatforms(host: string, path: string, authorization: string | undefined): Promise<string[] | undefined> {
    try {
      const reply = await this.send(host, 'index', path, authorization);
      if (reply.status !== 200 || !reply.body) return undefined;
      const index = JSON.parse(reply.body) as { manifests?: Array<{ platform?: { os?: string; architecture?: string } }> };
      const platforms = (index.manifests ?? [])
        .map((entry) => entry?.platform)
        .filter((platform) => platform?.os && platform?.architecture && platform.os !== 'unknown')
        .map((platform) => `${platform!.os}/${platform!.architecture}`);
      return [...new Set(platforms)].sort();
    } catch {
      return undefined;
    }
  }

  /**
   * The Authorization header for a host's scheme, whether it came from the token cache, and whether
   * its token was asked for several scopes. Unless `alone`, a token request also carries the scopes
   * of other repositories due soon (src/registry/recent-scopes.ts).
   */
  private async authorizationFor(
    host: string,
    auth: HostAuth,
    scope: string,
    credential: Credential | undefined,
    { alone = false } = {},
  ): Promise<{ header: string; fromCache: boolean; shared: boolean } | undefined> {
    if (auth.scheme === 'none') return undefined;
    if (auth.scheme === 'basic') return credential ? { header: basicAuthorization(credential), fromCache: false, shared: false } : undefined;
    const key = this.tokenKey(auth, scope, credential);
    const group = this.scopeGroup(auth, credential);
    this.recentScopes.used(group, scope);
    if (alone) this.tokens.invalidate(key);
    const cached = this.tokens.get(key);
    if (cached !== undefined) return { header: `Bearer ${cached.token}`, fromCache: true, shared: cached.shared };
    const companions =
      alone || this.singleScopeServers.has(this.tokenServer(auth))
        ? []
        : this.recentScopes.companions(group, scope, (other) => this.tokens.needsFetch(this.tokenKey(auth, other, credential)));
    const fetched = await this.tokens.getOrFetch(key, () => this.fetchTokenFor(host, auth, scope, companions, credential));
    return { header: `Bearer ${fetched.token}`, fromCache: false, shared: fetched.shared };
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
        const { token, lifetimeSeconds } = await this.fetchToken(host, auth, [scope, ...companions], credential);
        return fetched(token, lifetimeSeconds, companions.map((other) => this.tokenKey(auth, other, credential)));
      } catch (error) {
        // 401 means the credentials, whatever the scopes; anything else may be the number of scopes.
        const scopesMayBeTheCause = (error instanceof TokenRefused && error.httpStatus !== 401) || error instanceof ProtocolError;
        if (!scopesMayBeTheCause) throw error;
        const { token, lifetimeSeconds } = await this.fetchToken(host, auth, [scope], credential);
        this.singleScopeServers.add(this.tokenServer(auth));
        return fetched(token, lifetimeSeconds, []);
      }
    }
    const { token, lifetimeSeconds } = await this.fetchToken(host, auth, [scope], credential);
    return fetched(token, lifetimeSeconds, []);
  }

  private async fetchToken(host: string, auth: Extract<HostAuth, { scheme: 'bearer' }>, scopes: string[], credential: Credential | undefined) {
    const url = new URL(auth.realm);
    if (auth.service !== undefined) url.searchParams.set('service', auth.service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const registryScheme = this.hostScheme.get(host) ?? 'https:';
    if (credential && url.protocol === 'http:' && registryScheme === 'https:') {
      throw new ProtocolError(`token realm ${url.origin} is plain HTTP; credentials are not sent there`);
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (credential) headers.authorization = basicAuthorization(credential);
    const reply = await this.transport.send(host, 'token', 'GET', url, headers, true);
    if (reply.status !== 200) throw new TokenRefused(reply.status, url.origin, scopes[0], credential);
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(reply.body ?? '');
    } catch {
      throw new ProtocolError(`token server ${url.origin} answered with something that is not JSON`);
    }
    const token = typeof parsed?.token === 'string' && parsed.token ? parsed.token : parsed?.access_token;
    if (typeof token !== 'string' || token === '') throw new ProtocolError(`token server ${url.origin} answered without a token`);
    const lifetime = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_TOKEN_LIFETIME_S;
    return { token, lifetimeSeconds: lifetime };
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

  private manifestHead(host: string, path: string, authorization: string | undefined): Promise<Reply> {
    return this.send(host, 'manifest', path, authorization);
  }

  private async send(host: string, phase: 'manifest' | 'ping' | 'index' | 'tags', path: string, authorization: string | undefined): Promise<Reply> {
    const headers: Record<string, string> = phase === 'ping' || phase === 'tags' ? {} : { accept: ACCEPT };
    if (authorization) headers.authorization = authorization;
    const method = phase === 'manifest' ? 'HEAD' : 'GET';
    const readBody = phase === 'index' || phase === 'tags';
    return this.overScheme(host, (scheme) => this.transport.send(host, phase, method, new URL(`${scheme}//${host}${path}`), headers, readBody));
  }

  /**
   * A form POST to a registry's own origin (ACR's token exchange), with the scheme and TLS settings
   * its manifests are fetched with; the body is read.
   */
  postForm(host: string, path: string, form: Record<string, string>): Promise<Reply> {
    const headers = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
    const body = new URLSearchParams(form).toString();
    return this.overScheme(host, (scheme) => this.transport.send(host, 'token', 'POST', new URL(`${scheme}//${host}${path}`), headers, true, body));
  }

  /**
   * HTTPS, or HTTP for an allowed host once HTTPS has failed there. A host that answered over HTTP
   * stays on it; one that answered neither is tried over HTTPS first again next time.
   */
  private async overScheme(host: string, attempt: (scheme: 'https:' | 'http:') => Promise<Reply>): Promise<Reply> {
    const scheme = this.hostScheme.get(host) ?? 'https:';
    try {
      return await attempt(scheme);
    } catch (error) {
      if (scheme === 'https:' && error instanceof NetworkError && this.mayUsePlainHttp(host, error.code)) {
        const reply = await attempt('http:');
        this.hostScheme.set(host, 'http:');
        return reply;
      }
      throw error;
    }
  }

  private result(outcome: Outcome, { failure, message }: Reason): CheckResult {
    const status = classify(outcome);
    return status === 'available' ? { status, message: '' } : { status, message, failure };
  }

  /** The registry's choices in these errors are the token realm's origin and where it redirected: the URLs and hosts are redacted. */
  private failure(error: unknown, credential: Credential | undefined, secrets: string[]): CheckResult {
    const urlsIn = (text: string) => text.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/g, (url) => redact(url, secrets));
    if (error instanceof TokenRefused) {
      const reply = { httpStatus: error.httpStatus, origin: urlsIn(error.origin), scope: error.scope, credentialsFrom: error.credentialsFrom };
      return this.result({ kind: 'reply', phase: 'token', httpStatus: error.httpStatus, presentedCredentials: !!credential }, tokenReason(reply));
    }
    if (error instanceof NetworkError) {
      const server = error.phase === 'token' ? 'token server' : 'registry';
      const host = server === 'token server' ? redact(error.host, secrets) : error.host;
      return this.result({ kind: 'network', code: error.code }, networkReason({ code: error.code, host, server, timeoutMs: this.requestTimeoutMs }));
    }
    if (error instanceof ProtocolError) return this.result({ kind: 'protocol' }, explain('protocol', urlsIn(error.message)));
    // Another library's words, none of them the exporter's.
    return this.result({ kind: 'protocol' }, explain('protocol', `unexpected error: ${redact((error as Error)?.message ?? String(error), secrets)}`));
  }
}

class TokenRefused extends Error {
  readonly credentialsFrom?: string;
  constructor(
    readonly httpStatus: number,
    readonly origin: string,
    readonly scope: string,
    credential: Credential | undefined,
  ) {
    super(`${httpStatus} from the token server ${origin} for scope ${scope}`);
    this.credentialsFrom = credential?.source;
  }
}

/** docker.io is a name; its API is served from registry-1.docker.io. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}

function pickChallenge(header: string | string[] | undefined): Challenge | undefined {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  const challenges = values.flatMap((value) => parseChallenges(value));
  return challenges.find((c) => c.scheme === 'bearer' && c.params.realm && /^https?:\/\//i.test(c.params.realm)) ?? challenges.find((c) => c.scheme === 'basic');
}

function hostAuthFrom(challenge: Challenge): HostAuth {
  if (challenge.scheme === 'bearer') return { scheme: 'bearer', realm: challenge.params.realm, service: challenge.params.service };
  return { scheme: 'basic' };
}

function sameAuth(before: HostAuth | undefined, after: HostAuth): boolean {
  return JSON.stringify(before) === JSON.stringify(after);
}

function basicAuthorization(credential: Credential): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
}

/** A cache key part that identifies a credential without holding it in clear. */
function credentialId(credential: Credential | undefined): string {
  if (!credential) return 'anonymous';
  return createHash('sha256').update(`${credential.username}\u0000${credential.password}`).digest('base64url');
}

function header(reply: Reply, name: string): string | undefined {
  const value = reply.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
