// Reply or error → one of the eight statuses. Pure, so the whole decision table is one test.
import type { Status } from '../status.js';

/** manifest: the HEAD that decides; ping: GET /v2/; token: the token server; index: GET of a multi-platform index; tags: GET of the tag list after a 404 (tag or repository missing?). */
export type Phase = 'manifest' | 'token' | 'ping' | 'index' | 'tags';

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
    // The token server judges the credentials themselves; a refusal there is about who we are.
    if (code === 401 || code === 403) return 'authentication_failure';
    return code < 300 ? 'available' : 'unknown_error';
  }
  if (code >= 200 && code < 300) return 'available';
  if (code === 404) return 'absent';
  if (code === 401) {
    // Accepted credentials without pull rights come back as insufficient_scope (or DENIED).
    const denied = reply.challengeError === 'insufficient_scope' || reply.errorCode === 'DENIED';
    return denied && reply.presentedCredentials ? 'authorization_failure' : 'authentication_failure';
  }
  if (code === 403) return 'authorization_failure';
  if (reply.errorCode && BAD_FORMAT_CODES.has(reply.errorCode)) return 'bad_image_format';
  if (reply.errorCode && ABSENT_CODES.has(reply.errorCode)) return 'absent';
  return 'unknown_error';
}
