// The access rows of the differential suite: pull secrets in the forms the kubelet reads, TLS,
// Basic and Bearer auth, and registries that fail. They run on distribution 2.8 (htpasswd and
// token modes) and on the servers of the bed in front of it or in its place.
import { pushImage } from '../support/image-push.js';
import type { TestRegistry } from '../support/registry.js';
import { USERS, type Bed } from './bed.js';
import { basicAuth, dockerConfigJson, type PodSetup, type Scenario } from './scenario-types.js';

const alice = { user: 'alice', password: USERS.alice };
const carol = { user: 'carol', password: USERS.carol };
const wrong = (user: { user: string }) => ({ user: user.user, password: 'not-the-password' });

function row(id: string, category: Scenario['category'], kubelet: Scenario['kubelet'], what: string, setup: (bed: Bed) => Promise<PodSetup>): Scenario {
  return { id, category, what, kubelet, on: 'distribution-2.8', setup: (bed) => setup(bed) };
}

/** Pushes repo:v1 to a registry of the bed and returns its reference. */
async function pushed(registry: TestRegistry, repo: string): Promise<string> {
  await registry.pushImage(repo, 'v1');
  return `${registry.host}/${repo}:v1`;
}

/** A pod pulling a private image of the Basic registry with the given secrets. */
function basicRow(id: string, kubelet: Scenario['kubelet'], what: string, secrets: (host: string) => Pick<PodSetup, 'secrets' | 'pullSecrets' | 'serviceAccountPullSecrets'>): Scenario {
  return row(id, 'pull secret', kubelet, what, async (bed) => ({ image: await pushed(bed.basic, `secrets/${id}`), ...secrets(bed.basic.host) }));
}

const one = (host: string, key = host, user = alice) => ({ secrets: [dockerConfigJson('s', { [key]: user })], pullSecrets: ['s'] });

export const accessScenarios: Scenario[] = [
  basicRow('secret-right', 'pulled', "the pod's dockerconfigjson secret with the right password", (host) => one(host)),
  basicRow('secret-wrong', 'not pulled', "the pod's secret with a wrong password", (host) => one(host, host, wrong(alice))),
  basicRow('secret-none', 'not pulled', 'no pull secret for a private repository', () => ({})),
  basicRow('secret-missing', 'not pulled', 'imagePullSecrets names a Secret that does not exist', () => ({ pullSecrets: ['absent'] })),
  basicRow('missing-then-right', 'pulled', 'a missing Secret, then the right one', (host) => ({ ...one(host), pullSecrets: ['absent', 's'] })),
  basicRow('wrong-then-right', 'pulled', 'a secret with a wrong password, then one with the right one', (host) => ({
    secrets: [dockerConfigJson('a', { [host]: wrong(alice) }), dockerConfigJson('b', { [host]: alice })],
    pullSecrets: ['a', 'b'],
  })),
  basicRow('sa-secret', 'pulled', "the ServiceAccount's imagePullSecrets, added to the pod by admission", (host) => ({ secrets: [dockerConfigJson('s', { [host]: alice })], serviceAccountPullSecrets: ['s'] })),
  basicRow('sa-secret-wrong', 'not pulled', "the ServiceAccount's secret with a wrong password", (host) => ({ secrets: [dockerConfigJson('s', { [host]: wrong(alice) })], serviceAccountPullSecrets: ['s'] })),
  basicRow('opaque-malformed-then-right', 'pulled', 'an Opaque secret whose .dockerconfigjson is not JSON (the kubelet reads only secrets of the docker types), then the right one', (host) => ({
    secrets: [{ name: 'bad', data: { '.dockerconfigjson': '{"auths": {' } }, dockerConfigJson('s', { [host]: alice })],
    pullSecrets: ['bad', 's'],
  })),
  row('opaque-malformed-public', 'pull secret', 'pulled', 'a public image with an Opaque secret whose .dockerconfigjson is not JSON', async (bed) => {
    const d28 = bed.content['distribution-2.8'];
    await pushImage(d28.push, 'public/malformed', 'v1');
    return { image: `${d28.host}/public/malformed:v1`, secrets: [{ name: 'bad', data: { '.dockerconfigjson': 'not json' } }], pullSecrets: ['bad'] };
  }),
  basicRow('auth-not-base64', 'not pulled', 'a dockerconfigjson whose auth field is not base64 (the kubelet fails every image of the pod)', (host) => ({
    secrets: [{ name: 's', type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': JSON.stringify({ auths: { [host]: { auth: '%%%not base64%%%' } } }) } }],
    pullSecrets: ['s'],
  })),
  row('auth-not-base64-public', 'pull secret', 'not pulled', 'a public image with a dockerconfigjson whose auth field is not base64', async (bed) => {
    const d28 = bed.content['distribution-2.8'];
    await pushImage(d28.push, 'public/bad-auth', 'v1');
    const config = JSON.stringify({ auths: { 'registry.invalid': { auth: 'not base64!' } } });
    return { image: `${d28.host}/public/bad-auth:v1`, secrets: [{ name: 'bad', type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': config } }], pullSecrets: ['bad'] };
  }),
  basicRow('username-password-fields', 'pulled', 'a dockerconfigjson entry with username and password instead of auth', (host) => ({
    secrets: [{ name: 's', type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': JSON.stringify({ auths: { [host]: { username: alice.user, password: alice.password } } }) } }],
    pullSecrets: ['s'],
  })),
  basicRow('dockercfg', 'pulled', 'a kubernetes.io/dockercfg secret (the legacy format without "auths")', (host) => ({
    secrets: [{ name: 's', type: 'kubernetes.io/dockercfg', data: { '.dockercfg': JSON.stringify({ [host]: { auth: basicAuth(alice.user, alice.password) } }) } }],
    pullSecrets: ['s'],
  })),
  basicRow('key-http-scheme', 'pulled', 'the secret key with http://', (host) => one(host, `http://${host}`)),
  basicRow('key-https-scheme', 'pulled', 'the secret key with https:// (the scheme is not compared)', (host) => one(host, `https://${host}`)),
  basicRow('key-v2-suffix', 'pulled', 'the secret key as https://host/v2/', (host) => one(host, `https://${host}/v2/`)),
  basicRow('key-path-prefix', 'pulled', 'the secret key host/secrets (a path prefix of the repository)', (host) => one(host, `${host}/secrets`)),
  basicRow('key-other-path', 'not pulled', 'the secret key host/elsewhere (a path the repository is not under)', (host) => one(host, `${host}/elsewhere`)),
  basicRow('key-wildcard', 'pulled', 'the secret key *.0.0.1:PORT (a glob on the first label)', (host) => one(host, `*.${host.split('.').slice(1).join('.')}`)),
  basicRow('key-no-port', 'not pulled', 'the secret key without the port', (host) => one(host, host.split(':')[0])),
  basicRow('key-specific-wins', 'pulled', 'a wrong password for host, the right one for host/secrets/<repo> (most specific first, then the others)', (host) => ({
    secrets: [dockerConfigJson('s', { [host]: wrong(alice), [`${host}/secrets/key-specific-wins`]: alice })],
    pullSecrets: ['s'],
  })),
  row('several-registries', 'pull secret', 'pulled', 'one secret with entries for the Basic and the token registry; the image on the token registry', async (bed) => ({
    image: await pushed(bed.token, 'team-b/several'),
    secrets: [dockerConfigJson('s', { [bed.basic.host]: alice, [bed.token.host]: carol })],
    pullSecrets: ['s'],
  })),
  row('tls-trusted', 'TLS', 'pulled', 'HTTPS with a CA the node and the exporter trust', async (bed) => ({ image: await pushed(bed.tlsTrusted, 'tls/trusted') })),
  row('tls-trusted-missing-tag', 'TLS', 'not pulled', 'HTTPS with a trusted CA, a missing tag', async (bed) => {
    await pushed(bed.tlsTrusted, 'tls/missing');
    return { image: `${bed.tlsTrusted.host}/tls/missing:v2` };
  }),
  row('tls-unknown-ca', 'TLS', 'not pulled', 'HTTPS with a certificate from a CA nobody trusts', async (bed) => ({ image: await pushed(bed.tlsUnknown, 'tls/unknown') })),
  row('tls-expired', 'TLS', 'not pulled', 'HTTPS with an expired certificate from a trusted CA', async (bed) => {
    await pushImage(bed.content['distribution-2.8'].push, 'tls/expired', 'v1');
    return { image: `${bed.expired.host}/tls/expired:v1` };
  }),
  row('tls-wrong-name', 'TLS', 'not pulled', 'HTTPS with a certificate for another name, from a trusted CA', async (bed) => {
    await pushImage(bed.content['distribution-2.8'].push, 'tls/wrong-name', 'v1');
    return { image: `${bed.wrongName.host}/tls/wrong-name:v1` };
  }),
  row('plain-http-for-https', 'TLS', 'not pulled', 'a plain HTTP registry where the node expects HTTPS', async (bed) => {
    await pushImage(bed.content['distribution-2.8'].push, 'tls/plain', 'v1');
    return { image: `${bed.plainAsHttps.host}/tls/plain:v1` };
  }),
  row('localhost-port', 'reference', 'pulled', 'localhost:PORT instead of 127.0.0.1:PORT', async (bed) => {
    await pushImage(bed.content['distribution-2.8'].push, 'ref/localhost', 'v1');
    return { image: `${bed.localhost}/ref/localhost:v1` };
  }),
  row('bearer-right', 'auth', 'pulled', 'Bearer token from the token server for a user with pull rights', async (bed) => ({
    image: await pushed(bed.token, 'team-b/bearer'),
    ...one(bed.token.host, bed.token.host, carol),
  })),
  row('bearer-wrong-password', 'auth', 'not pulled', 'token server, wrong password', async (bed) => ({
    image: await pushed(bed.token, 'team-b/bearer-wrong'),
    ...one(bed.token.host, bed.token.host, wrong(carol)),
  })),
  row('bearer-no-secret', 'auth', 'not pulled', 'token server, no secret, a private repository (anonymous token without access)', async (bed) => ({ image: await pushed(bed.token, 'team-b/anonymous') })),
  row('anonymous-token', 'auth', 'pulled', 'token server, no secret, a public repository (anonymous token with pull)', async (bed) => ({ image: await pushed(bed.token, 'public/app') })),
  row('anonymous-token-missing', 'auth', 'not pulled', 'token server, no secret, a public repository, a missing tag', async (bed) => {
    await pushed(bed.token, 'public/missing');
    return { image: `${bed.token.host}/public/missing:v2` };
  }),
  row('insufficient-scope', 'auth', 'not pulled', 'token server, a user granted team-a/* pulling team-b/*', async (bed) => ({
    image: await pushed(bed.token, 'team-b/scope'),
    ...one(bed.token.host, bed.token.host, { user: 'dave', password: USERS.dave }),
  })),
  row('scope-granted', 'auth', 'pulled', 'token server, a user granted team-a/* pulling team-a/*', async (bed) => ({
    image: await pushed(bed.token, 'team-a/scope'),
    ...one(bed.token.host, bed.token.host, { user: 'dave', password: USERS.dave }),
  })),
  row('token-forbidden', 'auth', 'not pulled', 'token server answers 403 to a user with the right password but no registry access', async (bed) => ({
    image: await pushed(bed.token, 'team-b/forbidden'),
    ...one(bed.token.host, bed.token.host, { user: 'erin', password: USERS.erin }),
  })),
  row('basic-right', 'auth', 'pulled', 'Basic auth (htpasswd), right password', async (bed) => ({ image: await pushed(bed.basic, 'auth/basic'), ...one(bed.basic.host) })),
  row('basic-missing-tag', 'auth', 'not pulled', 'Basic auth, right password, a missing tag', async (bed) => {
    await pushed(bed.basic, 'auth/basic-missing');
    return { image: `${bed.basic.host}/auth/basic-missing:v2`, ...one(bed.basic.host) };
  }),
  row('closed-port', 'failure', 'not pulled', 'nothing listens on the port', async (bed) => ({ image: `${bed.closedPort}/fail/closed:v1` })),
  row('hung', 'failure', 'still pulling', 'the registry accepts connections and never answers', async (bed) => ({ image: `${bed.failures.hung.host}/fail/hung:v1` })),
  row('status-500', 'failure', 'not pulled', '500 to every request', async (bed) => ({ image: `${bed.failures.internalError.host}/fail/500:v1` })),
  row('status-502', 'failure', 'not pulled', '502 from a proxy whose registry is down', async (bed) => ({ image: `${bed.failures.badGateway.host}/fail/502:v1` })),
  row('status-429', 'failure', 'not pulled', '429 TOOMANYREQUESTS with Retry-After', async (bed) => ({ image: `${bed.failures.rateLimited.host}/fail/429:v1` })),
  row('redirect-other-host', 'failure', 'pulled', 'every request redirected (307) to another host that serves the image', async (bed) => {
    await pushImage(bed.content['distribution-2.8'].push, 'fail/redirect', 'v1');
    return { image: `${bed.failures.redirect.host}/fail/redirect:v1` };
  }),
  row('redirect-missing', 'failure', 'not pulled', 'redirected to another host that lacks the tag', async (bed) => ({ image: `${bed.failures.redirect.host}/fail/redirect-missing:v1` })),
  row('endless-body', 'failure', 'still pulling', 'the manifest body drips and never ends', async (bed) => ({ image: `${bed.failures.endlessBody.host}/fail/endless:v1` })),
];
