import { classify, type Outcome } from '../../src/registry/verdicts/classify.js';
import type { Status } from '../../src/status.js';

const manifest = (httpStatus: number, extra: Partial<Extract<Outcome, { kind: 'reply' }>> = {}): Outcome => ({
  kind: 'reply',
  phase: 'manifest',
  httpStatus,
  presentedCredentials: false,
  ...extra,
});

const table: Array<[string, Outcome, Status]> = [
  ['200 on the manifest', manifest(200), 'available'],
  ['404 on the manifest (tag or repository unknown)', manifest(404), 'absent'],
  ['404 from a pull-through cache that cannot reach its upstream: existence unknown', manifest(404, { upstreamUnreachable: true }), 'registry_unavailable'],
  ['404 on /v2/ itself', { kind: 'reply', phase: 'ping', httpStatus: 404, presentedCredentials: false }, 'registry_v1_api_not_supported'],
  ['401 without credentials', manifest(401), 'authentication_failure'],
  ['401 with credentials (rejected)', manifest(401, { presentedCredentials: true }), 'authentication_failure'],
  ['401 insufficient_scope with accepted credentials', manifest(401, { presentedCredentials: true, challengeError: 'insufficient_scope' }), 'authorization_failure'],
  ['401 insufficient_scope anonymously', manifest(401, { challengeError: 'insufficient_scope' }), 'authentication_failure'],
  ['401 DENIED with credentials', manifest(401, { presentedCredentials: true, errorCode: 'DENIED' }), 'authorization_failure'],
  ['bare 401 to credentials the token server accepted (Gitea, Quay, Harbor)', manifest(401, { presentedCredentials: true, credentialsAccepted: true }), 'authorization_failure'],
  ['401 invalid_token to credentials the token server accepted', manifest(401, { presentedCredentials: true, credentialsAccepted: true, challengeError: 'invalid_token' }), 'authentication_failure'],
  ['401 to credentials that pull other repositories of the registry: absent or private', manifest(401, { presentedCredentials: true, accessProven: true }), 'absent'],
  ['401 anonymously where anonymous pulls of other repositories work (Docker Hub: no such repository)', manifest(401, { challengeError: 'insufficient_scope', accessProven: true }), 'absent'],
  ['401 invalid_token to access that pulls other repositories: the token, not the name', manifest(401, { presentedCredentials: true, accessProven: true, challengeError: 'invalid_token' }), 'authentication_failure'],
  ['403 with an expired token (ECR)', manifest(403, { presentedCredentials: true, credentialsExpired: true }), 'authentication_failure'],
  ['400 that means an expired token (ECR Public)', manifest(400, { presentedCredentials: true, credentialsExpired: true }), 'authentication_failure'],
  ['403 on the manifest', manifest(403, { presentedCredentials: true }), 'authorization_failure'],
  ['403 anonymously', manifest(403), 'authorization_failure'],
  ['429 rate limit', manifest(429), 'registry_unavailable'],
  ['500', manifest(500), 'registry_unavailable'],
  ['502', manifest(502), 'registry_unavailable'],
  ['503', manifest(503), 'registry_unavailable'],
  ['400 NAME_INVALID', manifest(400, { errorCode: 'NAME_INVALID' }), 'bad_image_format'],
  ['400 TAG_INVALID', manifest(400, { errorCode: 'TAG_INVALID' }), 'bad_image_format'],
  ['400 without a code', manifest(400), 'unknown_error'],
  ['405 method not allowed', manifest(405), 'unknown_error'],
  ['418', manifest(418), 'unknown_error'],
  ['token server 401', { kind: 'reply', phase: 'token', httpStatus: 401, presentedCredentials: true }, 'authentication_failure'],
  ['token server 403 to credentials (GitLab: no registry access; Harbor 1.8.5-1.9.3: POST)', { kind: 'reply', phase: 'token', httpStatus: 403, presentedCredentials: true }, 'authorization_failure'],
  ['token server 403 anonymously', { kind: 'reply', phase: 'token', httpStatus: 403, presentedCredentials: false }, 'authentication_failure'],
  ['token server 503', { kind: 'reply', phase: 'token', httpStatus: 503, presentedCredentials: true }, 'registry_unavailable'],
  ['token server 404', { kind: 'reply', phase: 'token', httpStatus: 404, presentedCredentials: false }, 'unknown_error'],
  ['connection refused', { kind: 'network', code: 'ECONNREFUSED' }, 'registry_unavailable'],
  ['DNS failure', { kind: 'network', code: 'ENOTFOUND' }, 'registry_unavailable'],
  ['TLS: unknown authority', { kind: 'network', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, 'registry_unavailable'],
  ['timeout', { kind: 'network', code: 'TIMEOUT' }, 'registry_unavailable'],
  ['connection reset', { kind: 'network', code: 'ECONNRESET' }, 'registry_unavailable'],
  ['token endpoint without token', { kind: 'protocol' }, 'unknown_error'],
  ['unparsable reference', { kind: 'bad-reference' }, 'bad_image_format'],
];

describe('classifier: reply or error → status', () => {
  test.each(table)('%s → %s', (_name, outcome, status) => {
    expect(classify(outcome)).toBe(status);
  });
});
