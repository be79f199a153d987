// Proves test/support/registry.ts against the real registry with bare undici requests, and
// pins what distribution 2.8 answers in each case (the exporter's classification relies on it).
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { Agent, request, type Dispatcher } from 'undici';
import { digestOf } from '../support/image-content.js';
import { MediaType, startRegistry, type TestRegistry } from '../support/registry.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

async function call(url: string, opts: { method?: 'GET' | 'HEAD'; accept?: string; authorization?: string; dispatcher?: Dispatcher } = {}): Promise<Answer> {
  const res = await request(url, {
    method: opts.method ?? 'GET',
    dispatcher: opts.dispatcher,
    headers: { ...(opts.accept && { accept: opts.accept }), ...(opts.authorization && { authorization: opts.authorization }) },
  });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

const head = (url: string, opts: Parameters<typeof call>[1] = {}) => call(url, { ...opts, method: 'HEAD' });
const errorCodes = (a: Answer): string[] => (JSON.parse(a.body) as { errors: Array<{ code: string }> }).errors.map((e) => e.code);
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** `Bearer realm="…",service="…",scope="…"` → { realm, service, scope }. */
function challengeParams(header: unknown): Record<string, string> {
  return Object.fromEntries([...String(header).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

describe('no auth, plain HTTP', () => {
  let registry: TestRegistry;
  let digest: string;
  beforeAll(async () => {
    const started = Date.now();
    registry = await startRegistry();
    expect(Date.now() - started).toBeLessThan(2000);
    digest = await registry.pushImage('team/app', 'v1');
  });
  afterAll(() => registry.stop());

  test('host and url point at 127.0.0.1', () => {
    expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(registry.url).toBe(`http://${registry.host}`);
    expect(registry.caFile).toBeUndefined();
  });

  test('a pushed image HEADs 200 with its digest', async () => {
    const a = await head(`${registry.url}/v2/team/app/manifests/v1`, { accept: MediaType.dockerManifest });
    expect(a.status).toBe(200);
    expect(a.headers['docker-content-digest']).toBe(digest);
    expect(a.headers['content-type']).toBe(MediaType.dockerManifest);
    expect((await head(`${registry.url}/v2/team/app/manifests/${digest}`, { accept: MediaType.dockerManifest })).status).toBe(200);
  });

  test('the pushed blobs are a real image: gzipped tar layer, config with matching diff_ids', async () => {
    const manifest = JSON.parse((await call(`${registry.url}/v2/team/app/manifests/v1`, { accept: MediaType.dockerManifest })).body);
    const layerRes = await request(`${registry.url}/v2/team/app/blobs/${manifest.layers[0].digest}`);
    const layer = Buffer.from(await layerRes.body.arrayBuffer());
    expect(digestOf(layer)).toBe(manifest.layers[0].digest);
    expect(layer.length).toBe(manifest.layers[0].size);
    const tar = gunzipSync(layer);
    expect(tar.subarray(0, 10).toString()).toBe('random.bin');
    expect(tar.subarray(257, 262).toString()).toBe('ustar');
    const config = JSON.parse((await call(`${registry.url}/v2/team/app/blobs/${manifest.config.digest}`)).body);
    expect(config).toMatchObject({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [digestOf(tar)] } });
  });

  test('missing tag and missing repository: 404 MANIFEST_UNKNOWN (NAME_UNKNOWN only from tags/list)', async () => {
    for (const path of ['team/app/manifests/nope', 'no/such-repo/manifests/v1']) {
      expect((await head(`${registry.url}/v2/${path}`, { accept: MediaType.dockerManifest })).status).toBe(404);
      const get = await call(`${registry.url}/v2/${path}`, { accept: MediaType.dockerManifest });
      expect(get.status).toBe(404);
      expect(errorCodes(get)).toEqual(['MANIFEST_UNKNOWN']);
    }
    const tags = await call(`${registry.url}/v2/no/such-repo/tags/list`);
    expect(tags.status).toBe(404);
    expect(errorCodes(tags)).toEqual(['NAME_UNKNOWN']);
  });

  test('OCI image, docker manifest list and OCI index HEAD 200 with their media types', async () => {
    const oci = await registry.pushImage('team/oci', 'v1', { format: 'oci' });
    const platforms = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }];
    const list = await registry.pushIndex('team/multi', 'list', { format: 'docker-list', platforms });
    const index = await registry.pushIndex('team/multi', 'index', { format: 'oci-index', platforms });
    expect(list.children.map((c) => c.platform)).toEqual(platforms);

    for (const [path, mediaType, expected] of [
      ['team/oci/manifests/v1', MediaType.ociManifest, oci],
      ['team/multi/manifests/list', MediaType.dockerManifestList, list.digest],
      ['team/multi/manifests/index', MediaType.ociIndex, index.digest],
      [`team/multi/manifests/${index.children[1].digest}`, MediaType.ociManifest, index.children[1].digest],
    ]) {
      const a = await head(`${registry.url}/v2/${path}`, { accept: mediaType });
      expect([path, a.status, a.headers['content-type'], a.headers['docker-content-digest']]).toEqual([path, 200, mediaType, expected]);
    }
  });

  test('Accept decides what a tag returns: schema1 conversion, or 404 for OCI', async () => {
    await registry.pushImage('team/oci', 'v1', { format: 'oci' });
    await registry.pushIndex('team/accept', 'list', { format: 'docker-list', platforms: [{ os: 'linux', architecture: 'amd64' }] });
    await registry.pushIndex('team/accept', 'index', { format: 'oci-index', platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const schema1 = 'application/vnd.docker.distribution.manifest.v1+prettyjws';

    const docker = await head(`${registry.url}/v2/team/app/manifests/v1`);
    expect([docker.status, docker.headers['content-type']]).toEqual([200, schema1]);
    expect(docker.headers['docker-content-digest']).not.toBe(digest);
    const list = await head(`${registry.url}/v2/team/accept/manifests/list`, { accept: MediaType.dockerManifest });
    // the list's linux/amd64 child, as the client accepts single manifests only
    expect([list.status, list.headers['content-type']]).toEqual([200, MediaType.dockerManifest]);

    const oci = await call(`${registry.url}/v2/team/oci/manifests/v1`, { accept: MediaType.dockerManifest });
    expect([oci.status, errorCodes(oci)]).toEqual([404, ['MANIFEST_UNKNOWN']]);
    expect(oci.body).toContain('OCI manifest found, but accept header does not support OCI manifests');
    const index = await call(`${registry.url}/v2/team/accept/manifests/index`, { accept: `${MediaType.dockerManifest}, ${MediaType.dockerManifestList}` });
    expect([index.status, errorCodes(index)]).toEqual([404, ['MANIFEST_UNKNOWN']]);
  });

  test('deleteManifest removes the manifest and the tags pointing at it', async () => {
    const d = await registry.pushImage('team/gone', 'v1');
    await registry.deleteManifest('team/gone', d);
    const a = await call(`${registry.url}/v2/team/gone/manifests/v1`, { accept: MediaType.dockerManifest });
    expect([a.status, errorCodes(a)]).toEqual([404, ['MANIFEST_UNKNOWN']]);
    expect((await head(`${registry.url}/v2/team/gone/manifests/${d}`, { accept: MediaType.dockerManifest })).status).toBe(404);
  });

  test('requests() lists what clients asked, not the harness pushes; resetRequests() clears', async () => {
    await registry.resetRequests();
    await registry.pushImage('team/counted', 'v1');
    await head(`${registry.url}/v2/team/counted/manifests/v1`, { accept: MediaType.dockerManifest });
    await head(`${registry.url}/v2/team/counted/manifests/v2`, { accept: MediaType.dockerManifest });
    expect((await registry.requests()).map(({ method, path, status }) => ({ method, path, status }))).toEqual([
      { method: 'HEAD', path: '/v2/team/counted/manifests/v1', status: 200 },
      { method: 'HEAD', path: '/v2/team/counted/manifests/v2', status: 404 },
    ]);
    await registry.resetRequests();
    expect(await registry.requests()).toEqual([]);
  });

  test('pause() takes the registry down, resume() brings it back on the same port with its data', async () => {
    const url = `${registry.url}/v2/team/app/manifests/v1`;
    const host = registry.host;
    await registry.pause();
    expect(registry.running).toBe(false);
    await expect(request(url, { method: 'HEAD' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await registry.resume();
    expect(registry.host).toBe(host);
    const a = await head(url, { accept: MediaType.dockerManifest });
    expect([a.status, a.headers['docker-content-digest']]).toEqual([200, digest]);
    // the log spans restarts
    expect((await registry.requests()).at(-1)).toMatchObject({ method: 'HEAD', path: '/v2/team/app/manifests/v1', status: 200 });
  });
});

describe('htpasswd', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'htpasswd', users: { alice: 'wonderland' } });
    await registry.pushImage('team/app', 'v1');
  });
  afterAll(() => registry.stop());

  test('no credentials → 401 with a Basic challenge; wrong → 401; right → 200', async () => {
    const url = `${registry.url}/v2/team/app/manifests/v1`;
    const accept = MediaType.dockerManifest;
    const none = await call(url, { accept });
    expect([none.status, none.headers['www-authenticate'], errorCodes(none)]).toEqual([401, 'Basic realm="k8s-iae-test-registry"', ['UNAUTHORIZED']]);
    const wrong = await head(url, { accept, authorization: basic('alice', 'nope') });
    expect([wrong.status, wrong.headers['www-authenticate']]).toEqual([401, 'Basic realm="k8s-iae-test-registry"']);
    const unknown = await head(url, { accept, authorization: basic('mallory', 'wonderland') });
    expect(unknown.status).toBe(401);
    expect((await head(url, { accept, authorization: basic('alice', 'wonderland') })).status).toBe(200);
    const base = await head(`${registry.url}/v2/`);
    expect([base.status, base.headers['www-authenticate']]).toEqual([401, 'Basic realm="k8s-iae-test-registry"']);
  });
});

describe('TLS', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ tls: true });
    await registry.pushImage('team/app', 'v1');
  });
  afterAll(() => registry.stop());

  test('untrusted without the CA, trusted with it', async () => {
    expect(registry.url).toBe(`https://${registry.host}`);
    const url = `${registry.url}/v2/team/app/manifests/v1`;
    await expect(request(url, { method: 'HEAD' })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    const ca = await readFile(registry.caFile!, 'utf8');
    const agent = new Agent({ connect: { ca } });
    try {
      expect((await head(url, { accept: MediaType.dockerManifest, dispatcher: agent })).status).toBe(200);
      // the certificate names localhost too
      const viaName = await head(url.replace('127.0.0.1', 'localhost'), { accept: MediaType.dockerManifest, dispatcher: agent });
      expect(viaName.status).toBe(200);
    } finally {
      await agent.close();
    }
  });
});

describe('token auth', () => {
  let registry: TestRegistry;
  let digest: string;
  beforeAll(async () => {
    registry = await startRegistry({
      auth: 'token',
      users: { alice: 'wonderland', bob: 'builder' },
      grants: { alice: ['team/*'] },
    });
    digest = await registry.pushImage('team/app', 'v1');
  });
  afterAll(() => registry.stop());

  const fetchToken = async (challenge: Record<string, string>, authorization?: string) => {
    const url = `${challenge.realm}?service=${encodeURIComponent(challenge.service)}&scope=${encodeURIComponent(challenge.scope)}`;
    const a = await call(url, { authorization });
    return { status: a.status, headers: a.headers, json: JSON.parse(a.body) };
  };

  test('challenge → token → 200', async () => {
    await registry.resetRequests();
    const url = `${registry.url}/v2/team/app/manifests/v1`;
    const first = await head(url, { accept: MediaType.dockerManifest });
    expect(first.status).toBe(401);
    const challenge = challengeParams(first.headers['www-authenticate']);
    expect(String(first.headers['www-authenticate'])).toMatch(/^Bearer /);
    expect(challenge).toEqual({ realm: registry.realm, service: registry.service, scope: 'repository:team/app:pull' });

    const token = await fetchToken(challenge, basic('alice', 'wonderland'));
    expect(token.status).toBe(200);
    expect(token.json).toEqual({ token: expect.any(String), expires_in: 300, issued_at: expect.any(String) });
    const claims = JSON.parse(Buffer.from(token.json.token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: 'alice', aud: registry.service, access: [{ type: 'repository', name: 'team/app', actions: ['pull'] }] });

    const second = await head(url, { accept: MediaType.dockerManifest, authorization: `Bearer ${token.json.token}` });
    expect([second.status, second.headers['docker-content-digest']]).toEqual([200, digest]);
    expect(registry.tokenRequests()).toEqual([{
      method: 'GET', account: 'alice', service: registry.service, scopes: ['repository:team/app:pull'], status: 200, result: 'issued',
      access: [{ type: 'repository', name: 'team/app', actions: ['pull'] }],
    }]);
    expect((await registry.requests()).map((r) => r.status)).toEqual([401, 200]);
  });

  test('the /v2/ base challenge has no scope', async () => {
    const base = await head(`${registry.url}/v2/`);
    expect(base.status).toBe(401);
    expect(base.headers['www-authenticate']).toBe(`Bearer realm="${registry.realm}",service="${registry.service}"`);
  });

  test('wrong password → 401 from the token server', async () => {
    const challenge = { realm: registry.realm!, service: registry.service!, scope: 'repository:team/app:pull' };
    const token = await fetchToken(challenge, basic('alice', 'nope'));
    expect(token.status).toBe(401);
    expect(token.json.errors[0].code).toBe('UNAUTHORIZED');
    expect(registry.tokenRequests().at(-1)).toMatchObject({ account: 'alice', status: 401, result: 'bad-credentials' });
  });

  test('user without a grant, and anonymous: empty token, then 401 insufficient_scope (not 403)', async () => {
    const challenge = { realm: registry.realm!, service: registry.service!, scope: 'repository:team/app:pull' };
    for (const authorization of [basic('bob', 'builder'), undefined]) {
      const token = await fetchToken(challenge, authorization);
      expect(token.status).toBe(200);
      expect(registry.tokenRequests().at(-1)).toMatchObject({ status: 200, result: 'issued', access: [] });
      const denied = await call(`${registry.url}/v2/team/app/manifests/v1`, { accept: MediaType.dockerManifest, authorization: `Bearer ${token.json.token}` });
      expect(denied.status).toBe(401);
      expect(errorCodes(denied)).toEqual(['UNAUTHORIZED']);
      expect(denied.headers['www-authenticate']).toBe(
        `Bearer realm="${registry.realm}",service="${registry.service}",scope="repository:team/app:pull",error="insufficient_scope"`);
    }
  });

  test('a token for a repository outside the grant is empty too', async () => {
    const token = await fetchToken({ realm: registry.realm!, service: registry.service!, scope: 'repository:other/app:pull' }, basic('alice', 'wonderland'));
    expect(registry.tokenRequests().at(-1)).toMatchObject({ account: 'alice', access: [] });
    expect((await head(`${registry.url}/v2/other/app/manifests/v1`, { authorization: `Bearer ${token.json.token}` })).status).toBe(401);
  });

  test('a forged token → 401 invalid_token', async () => {
    const denied = await head(`${registry.url}/v2/team/app/manifests/v1`, { authorization: 'Bearer not.a.jwt' });
    expect(denied.status).toBe(401);
    expect(challengeParams(denied.headers['www-authenticate'])).toMatchObject({ error: 'invalid_token' });
  });

  test('a valid token for a missing tag → 404 MANIFEST_UNKNOWN', async () => {
    const token = await fetchToken({ realm: registry.realm!, service: registry.service!, scope: 'repository:team/app:pull' }, basic('alice', 'wonderland'));
    const missing = await call(`${registry.url}/v2/team/app/manifests/v404`, { accept: MediaType.dockerManifest, authorization: `Bearer ${token.json.token}` });
    expect([missing.status, errorCodes(missing)]).toEqual([404, ['MANIFEST_UNKNOWN']]);
  });
});

describe('token server variants', () => {
  test('access_token only, custom expires_in, anonymous rejected, public repositories', async () => {
    const registry = await startRegistry({
      auth: 'token', users: { alice: 'w' }, grants: { alice: ['*'] },
      tokenResponseField: 'access_token', tokenExpiresIn: 2, anonymous: 'reject',
    });
    try {
      const url = `${registry.realm}?service=${registry.service}&scope=repository:team/app:pull`;
      const ok = JSON.parse((await call(url, { authorization: basic('alice', 'w') })).body);
      expect(Object.keys(ok).sort()).toEqual(['access_token', 'expires_in', 'issued_at']);
      expect(ok.expires_in).toBe(2);
      const anonymous = await call(url);
      expect(anonymous.status).toBe(401);
      expect(registry.tokenRequests().at(-1)).toMatchObject({ account: undefined, result: 'anonymous-rejected' });
    } finally {
      await registry.stop();
    }

    const open = await startRegistry({ auth: 'token', tokenResponseField: 'both', anonymousGrants: ['library/*'] });
    try {
      await open.pushImage('library/busybox', 'latest');
      const url = `${open.realm}?service=${open.service}&scope=repository:library/busybox:pull`;
      const body = JSON.parse((await call(url)).body);
      expect(body.token).toBe(body.access_token);
      const a = await head(`${open.url}/v2/library/busybox/manifests/latest`, { accept: MediaType.dockerManifest, authorization: `Bearer ${body.token}` });
      expect(a.status).toBe(200);
    } finally {
      await open.stop();
    }
  });

  test('token mode with TLS: the token server is HTTPS under the same CA', async () => {
    const registry = await startRegistry({ auth: 'token', tls: true, users: { alice: 'w' }, grants: { alice: ['team/*'] } });
    const agent = new Agent({ connect: { ca: await readFile(registry.caFile!) } });
    try {
      await registry.pushImage('team/app', 'v1');
      const url = `${registry.url}/v2/team/app/manifests/v1`;
      const first = await head(url, { dispatcher: agent });
      const challenge = challengeParams(first.headers['www-authenticate']);
      expect(challenge.realm).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/token$/);
      const tokenUrl = `${challenge.realm}?service=${challenge.service}&scope=${challenge.scope}`;
      const token = JSON.parse((await call(tokenUrl, { authorization: basic('alice', 'w'), dispatcher: agent })).body).token;
      expect((await head(url, { accept: MediaType.dockerManifest, authorization: `Bearer ${token}`, dispatcher: agent })).status).toBe(200);
    } finally {
      await agent.close();
      await registry.stop();
    }
  });
});

test('invalid options are rejected before anything starts', async () => {
  await expect(startRegistry({ auth: 'htpasswd', users: { 'bad:name': 'x' } })).rejects.toThrow(/unusable user name/);
});
