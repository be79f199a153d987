// Asks a registry whether one image's manifest exists: HEAD /v2/<repo>/manifests/<ref>,
// answering the registry's challenge (Basic, or Bearer via its token server) with the credentials
// the kubelet would use, and remembering what each registry wants so a steady-state check is one
// request.
import type { Status } from '../status.js';
import { credentialId, hostAuthFrom, pickChallenge, sameAuth, type HostAuth } from './auth/host-auth.js';
import { BearerTokens, type Authorization } from './auth/bearer-tokens.js';
import { errorBodyOf, saysCredentialsExpired } from './verdicts/error-body.js';
import { ProvenAccess } from './auth/proven-access.js';
import { classify, type Outcome } from './verdicts/classify.js';
import { contentsReason, explain, manifestReason, mediaTypeReason, networkReason, passwordlessReason, platformReason, tokenReason, type FailureClass, type Reason } from './verdicts/reasons.js';
import { credentialSecrets, MAX_REASON, redact, registryText } from './verdicts/registry-text.js';
import type { Credential } from './credentials/credentials.js';
import { DOCKER_HUB, DOCKER_HUB_API_HOST, manifestReference, type ImageReference } from './references/reference.js';
import { AbsenceProbes } from './verdicts/absence-probes.js';
import { plainHttpFallback } from './transport/plain-http.js';
import { NetworkError, ProtocolError, Transport, type Reply, type TransportOptions } from './transport/transport.js';
import { IndexPlatforms, ownPlatform, type IndexVerdict } from './contents/index-platforms.js';
import { ImageContents, type ContentsVerdict } from './contents/image-contents.js';
import { TokenRefused } from './auth/token-fetch.js';
import { containerdTakesAsManifest, mediaTypeOf } from './contents/pullable-media-type.js';

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
  /** Report the platforms of multi-platform images (the platform_missing gauge). */
  readPlatforms?: boolean;
  /** The os/architecture pairs the cluster's nodes run (default: this process's own, the node it runs on). */
  nodePlatforms?: () => string[];
  /** How long a repository not checked any more still rides along on token requests (default 15 min); about twice the check interval. */
  scopeMemoryMs?: number;
};


const INDEX_MEDIA_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);


export class RegistryClient {
  private readonly transport: Transport;
  private readonly tokens: BearerTokens;
  /** Hosts that answered 405 to HEAD on a manifest: asked with GET from then on, one request per check. */
  private readonly headNotAllowed = new Set<string>();
  private readonly provenAccess = new ProvenAccess();
  private readonly hostAuth = new Map<string, HostAuth>();
  private readonly hostScheme = new Map<string, 'https:' | 'http:'>();
  private readonly mayUsePlainHttp: (host: string, code: string) => boolean;
  private readonly readPlatforms: boolean;
  private readonly requestTimeoutMs: number;
  /** After a 404: tag or repository missing, or a pull-through cache without its upstream. */
  private readonly absence = new AbsenceProbes((host, phase, path, authorization) => this.send(host, phase, path, authorization));
  /** Multi-platform images: read once per digest, judged for the nodes' platforms. */
  private readonly indexes = new IndexPlatforms();
  private readonly contents = new ImageContents();
  /** The platforms the cluster's nodes run, for the verdict on multi-platform images. */
  private readonly nodePlatforms: () => string[];

  constructor(options: RegistryClientOptions) {
    this.transport = new Transport(options);
    this.requestTimeoutMs = options.requestTimeoutMs;
    this.tokens = new BearerTokens(this.transport, (host) => this.hostScheme.get(host) ?? 'https:', options.scopeMemoryMs);
    this.readPlatforms = options.readPlatforms ?? false;
    this.nodePlatforms = options.nodePlatforms ?? (() => [ownPlatform()]);
    this.mayUsePlainHttp = plainHttpFallback({ hosts: options.plainHttpHosts, loopback: options.plainHttpLoopback });
  }

  /**
   * Checks one image. With several matching credentials each is tried in turn, as the kubelet
   * does (a failed pull is retried with the next); the first the registry does not refuse decides.
   * None: anonymous. One without a username (a docker config entry `{}`) or a password is anonymous:
   * containerd sends it neither to a token server nor as Basic auth (FetchToken, AddResponses).
   */
  async check(reference: ImageReference, credentials: Credential[]): Promise<CheckResult> {
    const attempts: Array<Credential | undefined> = credentials.length > 0 ? credentials.map((c) => (c.username === '' || c.password === '' ? undefined : c)) : [undefined];
    // Every credential of this check, and each token it gets: a registry may echo one attempt's secret in another's reply.
    const secrets = credentials.flatMap((credential) => credentialSecrets(credential));
    let kept: CheckResult | undefined;
    for (const [index, credential] of attempts.entries()) {
      const refused = await this.checkWith(reference, credential, secrets);
      const unsent = !credential && credentials[index]?.username && refused.failure === 'credentials-missing' ? credentials[index] : undefined;
      const result = unsent ? { ...refused, message: registryText(passwordlessReason(apiHost(reference.registry), reference.repository, unsent.source).message, MAX_REASON) } : refused;
      const rank = refusalRank(result);
      if (rank === 0) return result;
      // All refused: the refusal that says most wins (credentials accepted beats credentials refused);
      // among equals the last, tried after every other credential (the kubelet reports every attempt's error).
      if (!kept || rank >= refusalRank(kept)) kept = result;
    }
    return kept as CheckResult;
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
    // A Bearer token issued to the credentials means the token server accepted them (classify.ts).
    let tokenIssued = false;
    const sending = (authorization: Authorization | undefined) => {
      if (authorization) secrets.push(authorization.header.slice(authorization.header.indexOf(' ') + 1));
      if (authorization?.bearer) tokenIssued = true;
      return authorization;
    };
    let known = this.hostAuth.get(host);
    let sent: Authorization | undefined;
    try {
      sent = sending(known ? await this.tokens.authorizationFor(host, known, scope, credential) : undefined);
    } catch (error) {
      // The token server learnt from an earlier challenge failed: it may have moved. Ask the
      // registry afresh (a request without token), as a newly started exporter would. A refusal
      // of the credentials is an answer, not a failure, and stands.
      if (error instanceof TokenRefused && (error.httpStatus === 401 || error.httpStatus === 403)) throw error;
      this.hostAuth.delete(host);
      known = undefined;
      sent = undefined;
    }
    let reply = await this.manifestRequest(host, path, sent?.header);

    if (reply.status === 401) {
      const challenge = pickChallenge(reply.headers['www-authenticate']);
      if (!challenge) {
        return this.result({ kind: 'reply', phase: 'manifest', httpStatus: 401, presentedCredentials: !!credential }, explain('unexpected-reply', `${host} answered 401 without a Basic or Bearer challenge`));
      }
      const learnt = hostAuthFrom(challenge);
      this.hostAuth.set(host, learnt);
      if (known?.scheme === 'bearer') this.tokens.invalidate(known, scope, credential);
      // A fresh answer to the same challenge that was refused is final; anything else earns one
      // retry, with a token asked for this scope alone.
      const finalRefusal = sent !== undefined && !sent.fromCache && !sent.shared && sameAuth(known, learnt);
      if (!finalRefusal) {
        if (learnt.scheme === 'basic' && !credential) return this.interpretManifestReply(host, reference, reply, undefined, undefined, secrets, false);
        sent = sending(await this.tokens.authorizationFor(host, learnt, scope, credential, { alone: true }));
        reply = await this.manifestRequest(host, path, sent?.header);
      }
    } else if (!known) {
      this.hostAuth.set(host, { scheme: 'none' });
    }
    const result = await this.interpretManifestReply(host, reference, reply, credential, sent?.header, secrets, tokenIssued && !!credential);
    if (result.status === 'available' && !containerdTakesAsManifest(result.mediaType)) return this.result({ kind: 'protocol' }, mediaTypeReason(reference, registryText(mediaTypeOf(result.mediaType), 100)));
    if (result.status === 'available' && result.mediaType && INDEX_MEDIA_TYPES.has(result.mediaType.split(';')[0].trim())) {
      // Read once per index digest: whether it holds an image for the nodes' platform, as containerd's pull requires.
      const requests = {
        getIndex: (indexPath: string) => this.send(host, 'index', indexPath, sent?.header),
        headManifest: (childPath: string) => this.manifestRequest(host, childPath, sent?.header),
      };
      const where = { host, repository: reference.repository, reference: manifestReference(reference), digest: reference.digest ?? result.digest, mediaType: mediaTypeOf(result.mediaType) };
      const { platforms, verdict } = await this.indexes.judge(requests, where, this.nodePlatforms());
      if (this.readPlatforms) result.platforms = platforms;
      if (verdict) return this.readResult(verdict, platformReason(reference, verdict), credential);
    } else if (result.status === 'available') {
      // Read once per digest: whether containerd can unpack it (an artifact, a signature or a chart cannot).
      const requests = {
        getManifest: (manifestPath: string) => this.send(host, 'index', manifestPath, sent?.header),
        getBlob: (blobPath: string) => this.send(host, 'blob', blobPath, sent?.header),
      };
      // A digest reference is pulled by its own digest, whatever digest the HEAD names.
      const verdict = await this.contents.judge(requests, { repository: reference.repository, reference: manifestReference(reference), digest: reference.digest ?? result.digest, mediaType: mediaTypeOf(result.mediaType) });
      if (verdict) return this.readResult(verdict, contentsReason(reference, verdict), credential);
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
    credentialsAccepted: boolean,
  ): Promise<CheckResult> {
    const challenge = pickChallenge(reply.headers['www-authenticate']);
    // Registry-chosen text: secrets out before it is cut, so no part of one survives the cut.
    const chosen = (text: string | undefined) => (text ? registryText(redact(text, secrets)) : undefined);
    const access = credentialId(credential);
    // A HEAD's 403 has no body; the GET's says why (ECR: an expired token), as containerd's resolver asks it from 2.4 (resolver.go, withGETErrorBody).
    const errorBody = reply.status === 403 ? errorBodyOf(await this.manifestErrorBody(host, `/v2/${reference.repository}/manifests/${manifestReference(reference)}`, authorization)) : undefined;
    const outcome: Outcome = {
      kind: 'reply',
      phase: 'manifest',
      httpStatus: reply.status,
      presentedCredentials: !!credential,
      challengeError: challenge?.params.error,
      errorCode: errorBody?.code,
      credentialsAccepted,
      accessProven: reply.status === 401 && this.provenAccess.provenElsewhere(host, access, reference.repository),
      credentialsExpired: saysCredentialsExpired(host, reply.status, errorBody?.message),
    };
    let repositoryExists: boolean | undefined;
    let upstream: string | undefined;
    if (reply.status === 404) {
      if (!reply.headers['docker-distribution-api-version']) {
        // Some registries omit the version header; only /v2/ itself tells "no such image" from "no v2 API".
        const ping = await this.send(host, 'ping', '/v2/', undefined);
        if (classify({ kind: 'reply', phase: 'ping', httpStatus: ping.status, presentedCredentials: false }) === 'registry_v1_api_not_supported') {
          return this.result({ kind: 'reply', phase: 'ping', httpStatus: 404, presentedCredentials: false }, explain('no-v2-api', `${host} has no /v2/ API (404)`));
        }
      }
      repositoryExists = await this.absence.repositoryExists(host, reference.repository, authorization);
      upstream = await this.absence.unreachableUpstream(host, reference.repository, authorization);
      outcome.upstreamUnreachable = upstream !== undefined;
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
        unreachableUpstream: chosen(upstream),
        retryAfterMs: retryAfter,
        credentialsAccepted,
        accessProven: outcome.accessProven,
        credentialsExpired: outcome.credentialsExpired,
        errorMessage: chosen(errorBody?.message),
      }),
    );
    if (result.status === 'available') {
      this.provenAccess.pulled(host, access, reference.repository);
      result.digest = header(reply, 'docker-content-digest');
      result.mediaType = header(reply, 'content-type');
    }
    if (retryAfter !== undefined) result.retryAfterMs = retryAfter;
    return result;
  }

  /**
   * HEAD of a manifest; on 405 the same request as GET, as containerd's resolver does
   * (resolver.go, request.retryRequest: "Support registries which have not properly implemented
   * the HEAD method for manifests endpoint"). Such a host is asked with GET from then on (its body
   * is not read), so its checks stay at one request.
   */
  private async manifestRequest(host: string, path: string, authorization: string | undefined): Promise<Reply> {
    if (this.headNotAllowed.has(host)) return this.send(host, 'manifest', path, authorization, 'GET');
    const reply = await this.send(host, 'manifest', path, authorization);
    if (reply.status !== 405) return reply;
    this.headNotAllowed.add(host);
    return this.send(host, 'manifest', path, authorization, 'GET');
  }

  /** The body of a GET of the manifest, for the reason of a refusal; undefined when it cannot be had (the status stands). */
  private async manifestErrorBody(host: string, path: string, authorization: string | undefined): Promise<string | undefined> {
    try {
      return (await this.send(host, 'manifest', path, authorization, 'GET', true)).body;
    } catch {
      return undefined;
    }
  }

  private async send(
    host: string,
    phase: 'manifest' | 'ping' | 'index' | 'blob' | 'tags' | 'upstream',
    path: string,
    authorization: string | undefined,
    method: 'GET' | 'HEAD' = phase === 'manifest' ? 'HEAD' : 'GET',
    readBody = phase === 'index' || phase === 'blob' || phase === 'tags' || phase === 'upstream',
  ): Promise<Reply> {
    const headers: Record<string, string> = phase === 'manifest' || phase === 'index' ? { accept: ACCEPT } : {};
    if (authorization) headers.authorization = authorization;
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

  /**
   * A verdict on what the pull reads after the HEAD: a GET refused is its status (and Retry-After),
   * a body that is not what its media type says breaks the protocol, anything else is a 404 of
   * something the pull needs.
   */
  private readResult(verdict: NonNullable<IndexVerdict> | NonNullable<ContentsVerdict>, reason: Reason, credential: Credential | undefined): CheckResult {
    if (verdict.kind === 'mislabelled') return this.result({ kind: 'protocol' }, reason);
    const httpStatus = verdict.kind === 'get-refused' ? verdict.reply.status : 404;
    const result = this.result({ kind: 'reply', phase: 'manifest', httpStatus, presentedCredentials: !!credential }, reason);
    const retryAfter = verdict.kind === 'get-refused' && httpStatus === 429 ? retryAfterMs(header(verdict.reply, 'retry-after')) : undefined;
    return retryAfter === undefined ? result : { ...result, retryAfterMs: retryAfter };
  }

  private result(outcome: Outcome, { failure, message }: Reason): CheckResult {
    const status = classify(outcome);
    return status === 'available' ? { status, message: '' } : { status, message, failure };
  }

  /** The registry's choices in these errors are the token realm's origin and where it redirected: the URLs and hosts are redacted. */
  private failure(error: unknown, credential: Credential | undefined, secrets: string[]): CheckResult {
    const urlsIn = (text: string) => text.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/g, (url) => redact(url, secrets));
    if (error instanceof TokenRefused) {
      const reply = { httpStatus: error.httpStatus, origin: urlsIn(error.origin), scope: error.scope, credentialsFrom: error.credentialsFrom, method: error.method };
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

/** 0: an answer that stands; above: a refusal the kubelet answers by pulling with the next credential, the higher the more it says. */
function refusalRank(result: CheckResult): number {
  if (result.failure === 'absent-or-private') return 3;
  if (result.status === 'authorization_failure') return 2;
  return result.status === 'authentication_failure' ? 1 : 0;
}

/** docker.io is a name; its API is served from registry-1.docker.io. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
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
