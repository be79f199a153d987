// Why a check failed, in one line a user can act on: what happened, then what setting or action
// fixes it. The status decides the alert; this decides whether the person paged knows what to do.
// Pure, so the whole table is one test; the status page reuses hintFor() per failure class.
import { formatDuration } from '../../settings/duration.js';
import type { IndexVerdict } from '../contents/index-platforms.js';
import type { ContentsVerdict } from '../contents/image-contents.js';
import { errorBodyOf } from './error-body.js';
import type { ImageReference } from '../references/reference.js';

export const FAILURE_CLASSES = [
  'plain-http',
  'unknown-ca',
  'certificate-expired',
  'certificate-name-mismatch',
  'tls',
  'dns',
  'dns-temporary',
  'refused',
  'unreachable',
  'timeout',
  'connection-reset',
  'network',
  'credentials-missing',
  'private-or-absent',
  'credentials-refused',
  'pull-denied',
  'token-forbidden',
  'credentials-expired',
  'absent-or-private',
  'cache-upstream-unreachable',
  'tag-absent',
  'digest-absent',
  'repository-absent',
  'manifest-absent',
  'platform-missing',
  'platform-manifest-absent',
  'not-an-image',
  'config-absent',
  'rate-limited',
  'registry-error',
  'token-server-error',
  'token-server-unreachable',
  'no-v2-api',
  'unexpected-reply',
  'protocol',
  'stopping',
] as const;

export type FailureClass = (typeof FAILURE_CLASSES)[number];

export type Reason = { failure: FailureClass; message: string };

const HINTS: Record<FailureClass, string> = {
  'plain-http': 'if it is meant to be reached without TLS, add it to --allow-plain-http (chart: plainHttpRegistries)',
  'unknown-ca': 'trust the CA that signed it with --capath (chart: caFiles) or the registries file\'s ca for this host (chart: registries.<host>.ca)',
  'certificate-expired': 'the registry\'s certificate must be renewed (or the clock fixed); the nodes cannot pull from it either',
  'certificate-name-mismatch': 'use the host name the certificate was issued for in the image reference, or reissue the certificate for this name',
  tls: 'check the registry\'s TLS setup; a private CA is trusted with --capath (chart: caFiles)',
  dns: 'check the registry host in the image reference, and the cluster\'s DNS',
  'dns-temporary': 'the DNS server did not answer in time; retried with backoff, check the cluster\'s DNS if it lasts',
  refused: 'check that the registry runs and listens on that port, and the port in the image reference',
  unreachable: 'check the network path to the registry (routes, network policies, firewall)',
  timeout: 'check the registry and the network path to it (proxy, firewall); if it is only slow, raise --registry-request-timeout (chart: registryRequestTimeout)',
  'connection-reset': 'the registry or something in between (proxy, load balancer) dropped the connection; retried with backoff, check it if it lasts',
  network: 'check the registry and the network path to it; retried with backoff',
  'credentials-missing': 'add an imagePullSecret for this registry to the workload or its ServiceAccount',
  'private-or-absent': 'check the image name in the workload; if the repository is private, add an imagePullSecret for this registry to the workload or its ServiceAccount',
  'credentials-refused': 'the pull secret\'s user name, password or token is wrong or expired: update the secret',
  'pull-denied': 'the credentials are valid, but the account may not pull this repository, or it does not exist: check the image name in the workload, then grant that account pull access or use a secret that has it',
  'token-forbidden': 'the account may not pull this repository, or it does not exist: check the image name, then grant that account pull access; Harbor 1.8.5 to 1.9.3 answer containerd\'s token request so for every account (upgrade Harbor)',
  'credentials-expired': 'the pull secret holds a registry token that has expired (ECR tokens last 12 hours): renew the secret, or let a credential provider or refreshing job keep it current',
  'absent-or-private': 'the same credentials pull other repositories of this registry, so this name does not exist there or is private to other accounts: fix the image name in the workload, or use a pull secret of an account that may pull it',
  'cache-upstream-unreachable': 'the image may well exist upstream: restore the cache\'s connection to its upstream (network, DNS, proxy, upstream outage); nodes cannot pull images the cache has not stored until then',
  'tag-absent': 'push the tag, or fix the tag in the workload',
  'digest-absent': 'the digest is not in the repository (deleted or never pushed): fix the digest in the workload',
  'repository-absent': 'check the image name (registry host and path) in the workload, or push the image',
  'manifest-absent': 'check the image name and tag in the workload, or push the image',
  'platform-missing':
    'push an image for that platform into the index (docker buildx build --platform ...), or, if the workload only runs on nodes of a platform the index has, turn on --check-platforms (chart: checkPlatforms) so the exporter reads the nodes\' platforms',
  'platform-manifest-absent': 'push the index again together with all of its images, or fix the tag in the workload',
  'not-an-image': 'the reference names an artifact (a signature, an SBOM, a Helm chart...), not a container image: fix the image reference in the workload',
  'config-absent': 'push the image again (its blobs were deleted, e.g. by garbage collection), or fix the tag in the workload',
  'rate-limited': 'checks of this registry pause for its Retry-After; if it lasts, use a pull secret (higher limits) or lower --registry-concurrency (chart: registryConcurrency)',
  'registry-error': 'a fault on the registry\'s side; retried with backoff, tell its operators if it lasts',
  'token-server-error': 'the registry\'s token server failed; retried with backoff, tell its operators if it lasts',
  'token-server-unreachable': 'the realm in the registry\'s challenge cannot be reached from here (moved, down, or blocked by a network policy or proxy); each retry asks the registry for its realm afresh',
  'no-v2-api': 'the host does not serve the Docker Registry V2 / OCI distribution API: check the registry host in the image reference',
  'unexpected-reply': 'the registry gave an answer the distribution API does not define; tell its operators if it lasts',
  protocol: 'the registry or its token server broke the protocol; tell its operators if it lasts',
  stopping: 'nothing to do: the exporter was stopping',
};

/** What to do about a failure class, for the status page and any other place showing a result. */
export function hintFor(failure: FailureClass): string {
  return HINTS[failure];
}

/** A reason of a class: what happened, then the class's hint. */
export function explain(failure: FailureClass, happened: string): Reason {
  return { failure, message: `${happened}: ${HINTS[failure]}` };
}

/** Node, undici and OpenSSL error codes → class; anything unknown is `network` and keeps its code. */
const NETWORK_CODES: Record<string, FailureClass> = {
  ERR_SSL_WRONG_VERSION_NUMBER: 'plain-http',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'plain-http',
  ERR_SSL_HTTP_REQUEST: 'plain-http',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown-ca',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown-ca',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown-ca',
  SELF_SIGNED_CERT_IN_CHAIN: 'unknown-ca',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'unknown-ca',
  CERT_UNTRUSTED: 'unknown-ca',
  CERT_HAS_EXPIRED: 'certificate-expired',
  CERT_NOT_YET_VALID: 'certificate-expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate-name-mismatch',
  HOSTNAME_MISMATCH: 'certificate-name-mismatch',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns-temporary',
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  TIMEOUT: 'timeout',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ECONNRESET: 'connection-reset',
  EPIPE: 'connection-reset',
  UND_ERR_SOCKET: 'connection-reset',
  UND_ERR_CLOSED: 'connection-reset',
  ABORTED: 'stopping',
};

const TOKEN_SERVER_UNREACHABLE: ReadonlySet<FailureClass> = new Set(['dns', 'dns-temporary', 'refused', 'unreachable']);

export type NetworkFailure = {
  code: string;
  /** host:port that was contacted. */
  host: string;
  /** Which server: the registry itself or its token server. */
  server: 'registry' | 'token server';
  timeoutMs: number;
};

export function networkReason({ code, host, server, timeoutMs }: NetworkFailure): Reason {
  const byCode = NETWORK_CODES[code] ?? (/^ERR_SSL_|^ERR_TLS_|^(CERT|UNABLE_TO)_/.test(code) ? 'tls' : 'network');
  // The image reference does not name the token server: pointing the user at it would mislead.
  const failure = server === 'token server' && TOKEN_SERVER_UNREACHABLE.has(byCode) ? 'token-server-unreachable' : byCode;
  const who = `${server === 'registry' ? 'registry' : 'token server'} ${host}`;
  const happened: Record<FailureClass, string> = {
    'plain-http': `${who} answers plain HTTP, not HTTPS (${code})`,
    'unknown-ca': `${who} presents a certificate signed by an unknown authority (${code})`,
    'certificate-expired': `${who} presents a certificate that has expired or is not valid yet (${code})`,
    'certificate-name-mismatch': `${who} presents a certificate issued for another name (${code})`,
    tls: `TLS with ${who} failed (${code})`,
    dns: `${host} does not resolve (${code})`,
    'dns-temporary': `DNS lookup of ${host} failed for now (${code})`,
    refused: `${who} refused the connection (${code})`,
    unreachable: `${who} is unreachable (${code})`,
    timeout: `${who} did not answer within ${formatDuration(timeoutMs)}`,
    'connection-reset': `${who} closed the connection mid-request (${code})`,
    network: `request to ${who} failed (${code})`,
    stopping: `the check of ${host} was cancelled`,
    'token-server-unreachable': `token server ${host} cannot be reached (${code})`,
  } as Record<FailureClass, string>;
  return explain(failure, happened[failure]);
}

export type ManifestReply = {
  httpStatus: number;
  host: string;
  repository: string;
  /** The tag or digest asked for. */
  reference: string;
  /** Where the credentials came from (e.g. "secret shop/regcred"); undefined: anonymous. */
  credentialsFrom?: string;
  /** The challenge's `error` (e.g. insufficient_scope) and `error_description`, already bounded and redacted. */
  challengeError?: string;
  challengeDescription?: string;
  /** For a 404: whether the repository itself exists (its tag list answered), when known. */
  repositoryExists?: boolean;
  /** For a 404: the upstream a pull-through cache said it cannot reach; already bounded and redacted. */
  unreachableUpstream?: string;
  retryAfterMs?: number;
  /** The token server issued a token to these credentials (see classify.ts). */
  credentialsAccepted?: boolean;
  /** These credentials (or anonymous access) pull other repositories of this registry. */
  accessProven?: boolean;
  /** The registry said the credentials expired. */
  credentialsExpired?: boolean;
  /** The message of the registry's error body, when one was read; already bounded and redacted. */
  errorMessage?: string;
};

/** A multi-platform image that does not pull on the nodes: no entry for their platform, or its manifest gone. */
/** The GET of a manifest, index or config the pull makes, refused with an HTTP status after the HEAD answered. */
function getRefusedReason(image: string, what: 'manifest' | 'config', reply: { status: number; body?: string }): Reason {
  const code = /^[A-Z_]{1,40}$/.exec(errorBodyOf(reply.body)?.code ?? '')?.[0];
  return explain(
    getRefusedFailure(reply.status),
    `the registry answers the HEAD of ${image}'s manifest but refuses the GET of its ${what} (${reply.status}${code ? ` ${code}` : ''}), which the kubelet's pull makes: the pull fails`,
  );
}

/** A manifest or index body containerd cannot walk (not JSON, or not what its Content-Type says), in containerd's words where it has them. */
const mislabelledReason = (image: string, error: string) =>
  explain('unexpected-reply', `the registry's manifest for ${image} cannot be unpacked ("${error}"): the kubelet's pull fails`);

export function platformReason(reference: ImageReference, verdict: NonNullable<IndexVerdict>): Reason {
  const image = reference.normalized;
  if (verdict.kind === 'mislabelled') return mislabelledReason(image, verdict.error);
  if (verdict.kind === 'get-refused') return getRefusedReason(image, verdict.what, verdict.reply);
  if (verdict.kind === 'no-platform') {
    const offered = verdict.offered.length > 0 ? verdict.offered.join(', ') : 'no platform named';
    return explain(
      'platform-missing',
      `${image} is a multi-platform image with no image for the nodes' platform ${verdict.wanted.join(' or ')} (it has ${offered}): the kubelet fails its pull with "no match for platform in manifest"`,
    );
  }
  return explain(
    'platform-manifest-absent',
    `the ${verdict.platform} entry of ${image}'s index names manifest ${verdict.digest}, which the registry does not have (404): the kubelet's pull fails with "not found"`,
  );
}

/** What a refused GET of a manifest or config is, by its status. */
function getRefusedFailure(status: number): FailureClass {
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'registry-error';
  if (status === 401 || status === 403) return 'pull-denied';
  return status === 404 ? 'manifest-absent' : 'unexpected-reply';
}

export function contentsReason(reference: ImageReference, verdict: NonNullable<ContentsVerdict>): Reason {
  const image = reference.normalized;
  if (verdict.kind === 'mislabelled') return mislabelledReason(image, verdict.error);
  if (verdict.kind === 'get-refused') return getRefusedReason(image, verdict.what, verdict.reply);
  if (verdict.kind === 'not-an-image') {
    return explain(
      'not-an-image',
      `${image} is not a container image: its manifest has ${verdict.layers} layer(s), ${verdict.imageLayers} of an image layer type, but its config (${verdict.configType || 'no media type'}) names ${verdict.diffIds}: the kubelet's pull fails with "mismatched image rootfs and manifest layers"`,
    );
  }
  return explain('config-absent', `the config blob ${verdict.digest} of ${image} is not in the registry (404): the kubelet's pull fails with "not found"`);
}

export function mediaTypeReason(reference: ImageReference, mediaType: string): Reason {
  return explain(
    'unexpected-reply',
    `the registry labels ${reference.normalized}'s manifest ${mediaType ? `"${mediaType}"` : 'with no Content-Type'}, which containerd does not take for a manifest: it fetches the digest from /blobs/ and cannot unpack it, so the kubelet's pull fails ("not found" or "unexpected media type")`,
  );
}

export function manifestReason(reply: ManifestReply): Reason {
  const { httpStatus: code, host, repository, reference } = reply;
  const who = reply.credentialsFrom ? `with credentials from ${reply.credentialsFrom}` : 'anonymously';
  const said = [reply.challengeError, reply.challengeDescription, reply.errorMessage].filter(Boolean).join(': ');
  const detail = said ? `, ${said}` : '';
  const isDigest = reference.includes(':');
  if (reply.credentialsExpired && reply.credentialsFrom) {
    return explain('credentials-expired', `${host} refused the credentials from ${reply.credentialsFrom} as expired (${code}${detail})`);
  }
  if (code === 401 && reply.accessProven && reply.challengeError !== 'invalid_token') {
    return explain('absent-or-private', `${host} refuses ${repository} ${who} though it lets the same access pull other repositories: ${repository} does not exist there or is private (401${detail})`);
  }
  if (code === 404) {
    if (reply.unreachableUpstream) {
      return explain('cache-upstream-unreachable', `${host} has not cached ${repository}${isDigest ? '@' : ':'}${reference} and, as a pull-through cache, cannot reach its upstream ${reply.unreachableUpstream} to ask (404)`);
    }
    if (reply.repositoryExists === false) return explain('repository-absent', `repository ${repository} does not exist on ${host} (404)`);
    if (reply.repositoryExists === true) {
      return isDigest
        ? explain('digest-absent', `manifest ${reference} is not in ${host}/${repository} (404)`)
        : explain('tag-absent', `tag ${reference} is not in ${host}/${repository}, the repository exists (404)`);
    }
    return explain('manifest-absent', `${host}/${repository}${isDigest ? '@' : ':'}${reference} was not found (404)`);
  }
  if (code === 401) {
    // Registries such as Docker Hub answer so for a repository that does not exist, too: a typo reads like a private image.
    if (!reply.credentialsFrom && reply.challengeError === 'insufficient_scope') {
      return explain('private-or-absent', `${host} does not let anonymous users pull ${repository}: it is private or does not exist (401${detail})`);
    }
    if (!reply.credentialsFrom) return explain('credentials-missing', `${host} requires credentials for ${repository} and no pull secret matches it (401${detail})`);
    // As in classify(): accepted credentials without pull rights come back as insufficient_scope.
    if (reply.challengeError === 'insufficient_scope') return explain('pull-denied', `${host} accepted the credentials from ${reply.credentialsFrom} but not for pulling ${repository} (401${detail})`);
    if (reply.credentialsAccepted && reply.challengeError !== 'invalid_token') {
      return explain('pull-denied', `${host} refused ${repository} to the credentials from ${reply.credentialsFrom}, which its token server accepted (401${detail})`);
    }
    return explain('credentials-refused', `${host} refused the credentials from ${reply.credentialsFrom} (401${detail})`);
  }
  if (code === 403) return explain('pull-denied', `${host} forbids pulling ${repository} ${who} (403${detail})`);
  if (code === 429) {
    const pause = reply.retryAfterMs !== undefined ? `, Retry-After ${formatDuration(Math.ceil(reply.retryAfterMs / 1000) * 1000)}` : '';
    return explain('rate-limited', `${host} is rate-limiting requests ${who} (429${pause})`);
  }
  if (code >= 500) return explain('registry-error', `${host} failed with ${code} for ${repository}:${reference}`);
  return explain('unexpected-reply', `${host} answered ${code} for ${repository}:${reference} ${who}${said ? ` (${said})` : ''}`);
}

/** The refusal of the anonymous attempt made for a pull secret with a user name and no password, which containerd never sends. */
export function passwordlessReason(host: string, repository: string, source: string): Reason {
  return explain('credentials-missing', `${host} requires credentials for ${repository}; the pull secret that matches it (${source}) has a user name but no password, and containerd sends no credentials without one`);
}

export type TokenReply = { httpStatus: number; origin: string; scope: string; credentialsFrom?: string; method?: 'GET' | 'POST' };

export function tokenReason({ httpStatus, origin, scope, credentialsFrom, method = 'GET' }: TokenReply): Reason {
  if (httpStatus === 403 && credentialsFrom) {
    const asked = method === 'POST' ? 'the POST token request containerd makes' : 'a token';
    return explain('token-forbidden', `token server ${origin} refused ${asked} for ${scope} to the credentials from ${credentialsFrom} (403)`);
  }
  if (httpStatus === 401 || httpStatus === 403) {
    return credentialsFrom
      ? explain('credentials-refused', `token server ${origin} refused the credentials from ${credentialsFrom} for ${scope} (${httpStatus})`)
      : explain('credentials-missing', `token server ${origin} requires credentials for ${scope} and no pull secret matches it (${httpStatus})`);
  }
  if (httpStatus === 429) return explain('rate-limited', `token server ${origin} is rate-limiting requests (429)`);
  return explain('token-server-error', `token server ${origin} answered ${httpStatus} for ${scope}`);
}
