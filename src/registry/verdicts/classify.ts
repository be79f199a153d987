// Reply or error → one of the eight statuses. Pure, so the whole decision table is one test.
import type { Status } from '../../status.js';

/**
 * manifest: the HEAD that decides; ping: GET /v2/; token: the token server; index: GET of a
 * multi-platform index; tags: GET of the tag list after a 404 (tag or repository missing?);
 * upstream: GET of a blob no registry holds after a 404 (a pull-through cache without its upstream?).
 */
export type Phase = 'manifest' | 'token' | 'ping' | 'index' | 'blob' | 'tags' | 'upstream';

export type Outcome =
  /** An HTTP answer from the registry (manifest or /v2/ ping) or its token server. */
  | {
      kind: 'reply';
      phase: Phase;
      httpStatus: number;
      /** Whether the request carried credentials from a pull secret (directly or via a token). */
      presentedCredentials: boolean;
      /** The `error` parameter of a Bearer challenge, e.g. insufficient_scope. */
      challengeError?: string;
      /** The first error code of a distribution error body, when one was read. */
      errorCode?: string;
      /** The token server issued a token to the presented credentials: they are valid, whatever the registry then says. */
      credentialsAccepted?: boolean;
      /** These credentials (or anonymous access) pulled another repository of this registry lately (proven-access.ts). */
      accessProven?: boolean;
      /** The registry said the credentials have expired (ECR's 403 message, ECR Public's 400). */
      credentialsExpired?: boolean;
      /** A pull-through cache said it cannot reach its upstream (absence-probes.ts): its 404 says nothing of the image. */
      upstreamUnreachable?: boolean;
    }
  /** No HTTP answer: refused, reset, DNS, TLS, timeout. */
  | { kind: 'network'; code: string }
  /** An answer that breaks the protocol: token endpoint without token, redirect loop, oversize body. */
  | { kind: 'protocol' }
  | { kind: 'bad-reference' };

const BAD_FORMAT_CODES = new Set(['NAME_INVALID', 'TAG_INVALID', 'MANIFEST_INVALID', 'DIGEST_INVALID']);
const ABSENT_CODES = new Set(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN', 'MANIFEST_BLOB_UNKNOWN']);

export function classify(outcome: Outcome): Status {
  switch (outcome.kind) {
    case 'bad-reference':
      return 'bad_image_format';
    case 'network':
      return 'registry_unavailable';
    case 'protocol':
      return 'unknown_error';
    case 'reply':
      return classifyReply(outcome);
  }
}

function classifyReply(reply: Extract<Outcome, { kind: 'reply' }>): Status {
  const { httpStatus: code, phase } = reply;
  if (code === 429 || code >= 500) return 'registry_unavailable';
  if (phase === 'ping') {
    if (code === 404) return 'registry_v1_api_not_supported';
    return code < 300 || code === 401 ? 'available' : 'unknown_error';
  }
  if (phase === 'token') {
    // 401: the token server refuses who we are. 403 to credentials: it knows them and refuses them
    // this token (GitLab: an account that may not use the registry; Harbor 1.8.5–1.9.3: containerd's POST).
    if (code === 401) return 'authentication_failure';
    if (code === 403) return reply.presentedCredentials ? 'authorization_failure' : 'authentication_failure';
    return code < 300 ? 'available' : 'unknown_error';
  }
  if (code >= 200 && code < 300) return 'available';
  // Whether the image exists upstream is unknown; containerd's pull fails until the cache reaches it.
  if (code === 404) return reply.upstreamUnreachable ? 'registry_unavailable' : 'absent';
  if (reply.credentialsExpired && reply.presentedCredentials) return 'authentication_failure';
  if (code === 401) {
    // Docker Hub, Quay, GHCR and Harbor answer 401 for a repository that does not exist: with access
    // that pulls other repositories there, that is a pull that fails for this name, not a login problem.
    if (reply.accessProven && reply.challengeError !== 'invalid_token') return 'absent';
    // Accepted credentials without pull rights come back as insufficient_scope (or DENIED), or as a
    // bare 401 after a token the token server issued to them (Gitea, Quay, Harbor).
    const denied =
      reply.challengeError === 'insufficient_scope' || reply.errorCode === 'DENIED' || (reply.credentialsAccepted === true && reply.challengeError !== 'invalid_token');
    return denied && reply.presentedCredentials ? 'authorization_failure' : 'authentication_failure';
  }
  if (code === 403) return 'authorization_failure';
  if (reply.errorCode && BAD_FORMAT_CODES.has(reply.errorCode)) return 'bad_image_format';
  if (reply.errorCode && ABSENT_CODES.has(reply.errorCode)) return 'absent';
  return 'unknown_error';
}
