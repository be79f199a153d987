import { contentsReason, FAILURE_CLASSES, hintFor, manifestReason, networkReason, platformReason, tokenReason, type FailureClass, type Reason } from '../../src/registry/verdicts/reasons.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { credentialSecrets, redact, registryText } from '../../src/registry/verdicts/registry-text.js';

const net = (code: string, server: 'registry' | 'token server' = 'registry') => networkReason({ code, host: 'registry.lab:5000', server, timeoutMs: 10_000 });
const manifest = (httpStatus: number, extra: Partial<Parameters<typeof manifestReason>[0]> = {}) =>
  manifestReason({ httpStatus, host: 'registry.lab:5000', repository: 'team/app', reference: 'v2', ...extra });

const image = parseReference('registry.lab:5000/team/app:v2');

const table: Array<[string, Reason, FailureClass, string]> = [
  ['plain-HTTP registry', net('ERR_SSL_WRONG_VERSION_NUMBER'), 'plain-http',
    'registry registry.lab:5000 answers plain HTTP, not HTTPS (ERR_SSL_WRONG_VERSION_NUMBER): if it is meant to be reached without TLS, add it to --allow-plain-http (chart: plainHttpRegistries)'],
  ['unknown CA, leaf', net('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'unknown-ca',
    "registry registry.lab:5000 presents a certificate signed by an unknown authority (UNABLE_TO_VERIFY_LEAF_SIGNATURE): trust the CA that signed it with --capath (chart: caFiles) or the registries file's ca for this host (chart: registries.<host>.ca)"],
  ['unknown CA, self-signed in chain', net('SELF_SIGNED_CERT_IN_CHAIN'), 'unknown-ca', 'registry registry.lab:5000 presents a certificate signed by an unknown authority (SELF_SIGNED_CERT_IN_CHAIN): trust the CA'],
  ['self-signed certificate', net('DEPTH_ZERO_SELF_SIGNED_CERT'), 'unknown-ca', 'registry registry.lab:5000 presents a certificate signed by an unknown authority (DEPTH_ZERO_SELF_SIGNED_CERT): trust the CA'],
  ['expired certificate', net('CERT_HAS_EXPIRED'), 'certificate-expired',
    "registry registry.lab:5000 presents a certificate that has expired or is not valid yet (CERT_HAS_EXPIRED): the registry's certificate must be renewed (or the clock fixed); the nodes cannot pull from it either"],
  ['certificate for another name', net('ERR_TLS_CERT_ALTNAME_INVALID'), 'certificate-name-mismatch',
    'registry registry.lab:5000 presents a certificate issued for another name (ERR_TLS_CERT_ALTNAME_INVALID): use the host name the certificate was issued for in the image reference, or reissue the certificate for this name'],
  ['other TLS failure', net('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'), 'tls', 'TLS with registry registry.lab:5000 failed (ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE): check the registry'],
  ['unknown host', net('ENOTFOUND'), 'dns', "registry.lab:5000 does not resolve (ENOTFOUND): check the registry host in the image reference, and the cluster's DNS"],
  ['DNS server not answering', net('EAI_AGAIN'), 'dns-temporary', 'DNS lookup of registry.lab:5000 failed for now (EAI_AGAIN): the DNS server did not answer in time'],
  ['connection refused', net('ECONNREFUSED'), 'refused',
    'registry registry.lab:5000 refused the connection (ECONNREFUSED): check that the registry runs and listens on that port, and the port in the image reference'],
  ['token server refused', net('ECONNREFUSED', 'token server'), 'token-server-unreachable',
    "token server registry.lab:5000 cannot be reached (ECONNREFUSED): the realm in the registry's challenge cannot be reached from here (moved, down, or blocked by a network policy or proxy); each retry asks the registry for its realm afresh"],
  ['token server with an unknown CA', net('SELF_SIGNED_CERT_IN_CHAIN', 'token server'), 'unknown-ca', 'token server registry.lab:5000 presents a certificate signed by an unknown authority'],
  ['no route', net('EHOSTUNREACH'), 'unreachable', 'registry registry.lab:5000 is unreachable (EHOSTUNREACH): check the network path'],
  ['time limit', net('TIMEOUT'), 'timeout',
    'registry registry.lab:5000 did not answer within 10s: check the registry and the network path to it (proxy, firewall); if it is only slow, raise --registry-request-timeout (chart: registryRequestTimeout)'],
  ['connect timeout', net('UND_ERR_CONNECT_TIMEOUT'), 'timeout', 'registry registry.lab:5000 did not answer within 10s: check'],
  ['reset', net('ECONNRESET'), 'connection-reset', 'registry registry.lab:5000 closed the connection mid-request (ECONNRESET): the registry or something in between'],
  ['unknown network code', net('EWHATEVER'), 'network', 'request to registry registry.lab:5000 failed (EWHATEVER): check the registry'],
  ['aborted at shutdown', net('ABORTED'), 'stopping', 'the check of registry.lab:5000 was cancelled: nothing to do'],
  ['401 without secrets', manifest(401), 'credentials-missing',
    'registry.lab:5000 requires credentials for team/app and no pull secret matches it (401): add an imagePullSecret for this registry to the workload or its ServiceAccount'],
  ['401 insufficient_scope without secrets (private, or no such repository)', manifest(401, { challengeError: 'insufficient_scope' }), 'private-or-absent',
    'registry.lab:5000 does not let anonymous users pull team/app: it is private or does not exist (401, insufficient_scope): check the image name in the workload; if the repository is private, add an imagePullSecret'],
  ['401 with a secret', manifest(401, { credentialsFrom: 'secret shop/regcred', challengeError: 'invalid_token' }), 'credentials-refused',
    "registry.lab:5000 refused the credentials from secret shop/regcred (401, invalid_token): the pull secret's user name, password or token is wrong or expired: update the secret"],
  ['401 insufficient_scope with a secret', manifest(401, { credentialsFrom: 'secret shop/regcred', challengeError: 'insufficient_scope', challengeDescription: 'no pull on team/app' }), 'pull-denied',
    'registry.lab:5000 accepted the credentials from secret shop/regcred but not for pulling team/app (401, insufficient_scope: no pull on team/app): the credentials are valid, but the account may not pull this repository, or it does not exist'],
  ['bare 401 after a token the token server issued to the secret (Gitea, Quay, Harbor)', manifest(401, { credentialsFrom: 'secret shop/regcred', credentialsAccepted: true }), 'pull-denied',
    'registry.lab:5000 refused team/app to the credentials from secret shop/regcred, which its token server accepted (401): the credentials are valid, but the account may not pull this repository, or it does not exist'],
  ['401 invalid_token after a token the token server issued: the token, not the account', manifest(401, { credentialsFrom: 'secret shop/regcred', credentialsAccepted: true, challengeError: 'invalid_token' }), 'credentials-refused',
    'registry.lab:5000 refused the credentials from secret shop/regcred (401, invalid_token)'],
  ['403', manifest(403, { credentialsFrom: 'secret shop/regcred' }), 'pull-denied', 'registry.lab:5000 forbids pulling team/app with credentials from secret shop/regcred (403): the credentials are valid, but the account may not pull'],
  ['403 with an expired ECR token', manifest(403, { credentialsFrom: 'secret shop/ecr', credentialsExpired: true, errorMessage: 'Your authorization token has expired. Reauthenticate and try again.' }), 'credentials-expired',
    'registry.lab:5000 refused the credentials from secret shop/ecr as expired (403, Your authorization token has expired. Reauthenticate and try again.): the pull secret holds a registry token that has expired (ECR tokens last 12 hours)'],
  ['401 for access that pulls other repositories (Docker Hub, Quay, GHCR, Harbor: a name that does not exist)', manifest(401, { accessProven: true, challengeError: 'insufficient_scope' }), 'absent-or-private',
    'registry.lab:5000 refuses team/app anonymously though it lets the same access pull other repositories: team/app does not exist there or is private (401, insufficient_scope): the same credentials pull other repositories'],
  ['404 from a pull-through cache that cannot reach its upstream', manifest(404, { repositoryExists: true, unreachableUpstream: 'https://registry-1.docker.io' }), 'cache-upstream-unreachable',
    'registry.lab:5000 has not cached team/app:v2 and, as a pull-through cache, cannot reach its upstream https://registry-1.docker.io to ask (404): the image may well exist upstream'],
  ['404, repository exists (tag missing)', manifest(404, { repositoryExists: true }), 'tag-absent',
    'tag v2 is not in registry.lab:5000/team/app, the repository exists (404): push the tag, or fix the tag in the workload'],
  ['404, digest missing', manifest(404, { reference: `sha256:${'0'.repeat(64)}`, repositoryExists: true }), 'digest-absent', `manifest sha256:${'0'.repeat(64)} is not in registry.lab:5000/team/app (404): the digest is not in the repository`],
  ['404, repository missing (NAME_UNKNOWN)', manifest(404, { repositoryExists: false }), 'repository-absent',
    'repository team/app does not exist on registry.lab:5000 (404): check the image name (registry host and path) in the workload, or push the image'],
  ['404, registry does not say which', manifest(404), 'manifest-absent', 'registry.lab:5000/team/app:v2 was not found (404): check the image name and tag'],
  ['index without the nodes\' platform', platformReason(image, { kind: 'no-platform', wanted: ['linux/amd64'], offered: ['linux/arm64'] }), 'platform-missing',
    "registry.lab:5000/team/app:v2 is a multi-platform image with no image for the nodes' platform linux/amd64 (it has linux/arm64)"],
  ['index entry naming a deleted manifest', platformReason(image, { kind: 'entry-missing', platform: 'linux/amd64', digest: `sha256:${'1'.repeat(64)}` }), 'platform-manifest-absent',
    `the linux/amd64 entry of registry.lab:5000/team/app:v2's index names manifest sha256:${'1'.repeat(64)}, which the registry does not have (404)`],
  ['an artifact, not an image', contentsReason(image, { kind: 'not-an-image', layers: 1, imageLayers: 0, diffIds: 0, configType: 'application/vnd.cncf.helm.config.v1+json' }), 'not-an-image',
    'registry.lab:5000/team/app:v2 is not a container image: its manifest has 1 layer(s), 0 of an image layer type, but its config (application/vnd.cncf.helm.config.v1+json) names 0: the kubelet\'s pull fails with "mismatched image rootfs and manifest layers": the reference names an artifact'],
  ['config blob deleted', contentsReason(image, { kind: 'config-missing', digest: `sha256:${'2'.repeat(64)}` }), 'config-absent',
    `the config blob sha256:${'2'.repeat(64)} of registry.lab:5000/team/app:v2 is not in the registry (404): the kubelet's pull fails with "not found": push the image again`],
  ['429', manifest(429, { retryAfterMs: 30_000 }), 'rate-limited',
    'registry.lab:5000 is rate-limiting requests anonymously (429, Retry-After 30s): checks of this registry pause for its Retry-After; if it lasts, use a pull secret (higher limits) or lower --registry-concurrency (chart: registryConcurrency)'],
  ['503', manifest(503), 'registry-error', "registry.lab:5000 failed with 503 for team/app:v2: a fault on the registry's side"],
  ['an undefined answer', manifest(418), 'unexpected-reply', 'registry.lab:5000 answered 418 for team/app:v2 anonymously: the registry gave an answer'],
  ['token server refuses the secret', tokenReason({ httpStatus: 401, origin: 'https://auth.lab', scope: 'repository:team/app:pull', credentialsFrom: 'secret shop/regcred' }), 'credentials-refused',
    'token server https://auth.lab refused the credentials from secret shop/regcred for repository:team/app:pull (401): '],
  ['token server wants credentials', tokenReason({ httpStatus: 401, origin: 'https://auth.lab', scope: 'repository:team/app:pull' }), 'credentials-missing', 'token server https://auth.lab requires credentials for repository:team/app:pull and no pull secret matches it (401): add an imagePullSecret'],
  ['token server forbids containerd\'s POST to the secret (Harbor 1.8.5-1.9.3; GitLab for accounts without registry access)', tokenReason({ httpStatus: 403, origin: 'https://auth.lab', scope: 'repository:team/app:pull', credentialsFrom: 'secret shop/regcred', method: 'POST' }), 'token-forbidden',
    'token server https://auth.lab refused the POST token request containerd makes for repository:team/app:pull to the credentials from secret shop/regcred (403): the account may not pull this repository, or it does not exist'],
  ['token server broken', tokenReason({ httpStatus: 500, origin: 'https://auth.lab', scope: 'repository:team/app:pull' }), 'token-server-error', "token server https://auth.lab answered 500 for repository:team/app:pull: the registry's token server failed"],
];

describe('reasons: what happened, then what fixes it, in one line', () => {
  test.each(table)('%s', (_name, { failure, message }, expectedFailure, expectedStart) => {
    expect(failure).toBe(expectedFailure);
    expect(message.startsWith(expectedStart)).toBe(true);
    expect(message).toContain(`: ${hintFor(failure)}`);
    expect(message).not.toMatch(/[\n\r]|error:[0-9A-F]{8}|SSL routines/);
  });

  test('every failure class has a hint, and the table covers every class', () => {
    for (const failure of FAILURE_CLASSES) expect(hintFor(failure).length).toBeGreaterThan(20);
    const elsewhere = ['no-v2-api', 'protocol'];
    expect(new Set(table.map(([, , failure]) => failure))).toEqual(new Set(FAILURE_CLASSES.filter((failure) => !elsewhere.includes(failure))));
  });

  test("a multi-platform image without the nodes' platform, or with its entry's manifest gone, says what the kubelet says and what to push", () => {
    const reference = parseReference('registry.lab:5000/team/app:v2');
    const missing = platformReason(reference, { kind: 'no-platform', wanted: ['linux/amd64'], offered: ['linux/arm64', 'linux/s390x'] });
    expect(missing.failure).toBe('platform-missing');
    expect(missing.message).toBe(
      `registry.lab:5000/team/app:v2 is a multi-platform image with no image for the nodes' platform linux/amd64 (it has linux/arm64, linux/s390x): the kubelet fails its pull with "no match for platform in manifest": ${hintFor('platform-missing')}`,
    );
    const gone = platformReason(reference, { kind: 'entry-missing', platform: 'linux/amd64', digest: 'sha256:abc' });
    expect(gone).toEqual({ failure: 'platform-manifest-absent', message: expect.stringContaining("the linux/amd64 entry of registry.lab:5000/team/app:v2's index names manifest sha256:abc") });
  });
});

describe('registry-chosen text', () => {
  test('control characters go, length is bounded', () => {
    expect(registryText('bad\u001b[31mred\u0000\r\nnext\u202eline')).toBe('bad [31mred next line');
    const long = registryText('x'.repeat(10_000));
    expect(long).toHaveLength(200);
    expect(long.endsWith('…')).toBe(true);
    expect(registryText('y'.repeat(50_000), 600)).toHaveLength(600);
  });

  test('every form of a sent credential is redacted, a token too', () => {
    const secrets = [...credentialSecrets({ username: 'alice', password: 'hunter2-pw' }), 'eyJ.token.sig'];
    const echoed = `bad password hunter2-pw for alice:hunter2-pw (Basic ${Buffer.from('alice:hunter2-pw').toString('base64')}) token eyJ.token.sig`;
    expect(redact(echoed, secrets)).toBe('bad password [redacted] for [redacted] (Basic [redacted]) token [redacted]');
  });
});
