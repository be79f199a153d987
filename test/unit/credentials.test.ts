// The kubelet's own tables (kubernetes pkg/credentialprovider keyring_test.go, config_test.go,
// secrets/secrets_test.go), ported as data: inputs and expected outputs are the upstream ones.
// Rows marked "ours" are further facts of the same code (Go's url.Parse, filepath.Match) that the
// upstream tables do not spell out; each says why it holds.
import { credentialsFromSecret, ignoredSecretReason, isDockerHubImage, keyMatches, keyringKey, matchCredentials, SecretFormatError } from '../../src/registry/credentials/credentials.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const auth = (user: string, pass = 'bar') => ({ auth: b64(`${user}:${pass}`), email: 'foo@bar.baz' });
const dockercfg = (config: unknown) => ({ '.dockercfg': b64(JSON.stringify(config)) });
const dockerConfigJson = (auths: unknown) => ({ '.dockerconfigjson': b64(JSON.stringify({ auths })) });

/** Usernames the kubelet would try for `image`, in order, from one dockercfg-style map. */
function usersFor(config: Record<string, unknown>, image: string): string[] {
  const entries = credentialsFromSecret('kubernetes.io/dockercfg', dockercfg(config), 'secret ns/s');
  return matchCredentials(entries, image).map((credential) => credential.username);
}

describe('keyring_test.go TestUrlsMatch: a key glob against an image location', () => {
  test.each([
    ['*.kubernetes.io', 'prefix.kubernetes.io', true],
    ['prefix.*.io', 'prefix.kubernetes.io', true],
    ['prefix.kubernetes.*', 'prefix.kubernetes.io', true],
    ['*-good.kubernetes.io', 'prefix-good.kubernetes.io', true],
    ['*.kubernetes.io/blah', 'prefix.kubernetes.io/blah', true],
    ['prefix.*.io/foo', 'prefix.kubernetes.io/foo/bar', true],
    ['*.kubernetes.io:1111/blah', 'prefix.kubernetes.io:1111/blah', true],
    ['prefix.*.io:1111/foo', 'prefix.kubernetes.io:1111/foo/bar', true],
    ['*.kubernetes.io', 'kubernetes.io', false],
    ['*.*.kubernetes.io', 'prefix.kubernetes.io', false],
    ['*.*.kubernetes.io', 'kubernetes.io', false],
    ['kubernetes.io', 'kubernetes.com', false],
    ['k*.io', 'quay.io', false],
    ['*.kubernetes.io:1234/blah', 'prefix.kubernetes.io:1111/blah', false],
    ['prefix.*.io/foo', 'prefix.kubernetes.io:1111/foo/bar', false],
    // ours: filepath.Match character classes work in a host label; a malformed pattern matches nothing.
    ['reg[0-9].example.com', 'reg7.example.com', true],
    ['reg[^0-9].example.com', 'reg7.example.com', false],
    ['reg[.example.com', 'reg[.example.com', false],
    // ours: host letter case is compared as written (filepath.Match is case-sensitive).
    ['Registry.example.com', 'registry.example.com/app', false],
  ])('%s vs %s → %s', (glob, target, expected) => {
    expect(keyMatches(keyringKey(glob)!, target)).toBe(expected);
  });
});

describe('keyring_test.go TestDockerKeyringForGlob: the key serves <target>/foo/bar', () => {
  test.each([
    ['https://hello.kubernetes.io', 'hello.kubernetes.io'],
    ['https://*.docker.io', 'prefix.docker.io'],
    ['https://prefix.*.io', 'prefix.docker.io'],
    ['https://prefix.docker.*', 'prefix.docker.io'],
    ['https://*.docker.io/path', 'prefix.docker.io/path'],
    ['https://prefix.*.io/path', 'prefix.docker.io/path/subpath'],
    ['https://prefix.docker.*/path', 'prefix.docker.io/path'],
    ['https://*.docker.io:8888', 'prefix.docker.io:8888'],
    ['https://prefix.*.io:8888', 'prefix.docker.io:8888'],
    ['https://prefix.docker.*:8888', 'prefix.docker.io:8888'],
    ['https://*.docker.io/path:1111', 'prefix.docker.io/path:1111'],
    ['https://*.docker.io/v1/', 'prefix.docker.io/path:1111'],
    ['https://*.docker.io/v2/', 'prefix.docker.io/path:1111'],
    ['https://prefix.docker.*/path:1111', 'prefix.docker.io/path:1111'],
    ['prefix.docker.io:1111', 'prefix.docker.io:1111/path'],
    ['*.docker.io:1111', 'prefix.docker.io:1111/path'],
  ])('%s serves %s', (key, target) => {
    expect(usersFor({ [key]: auth('foo') }, `${target}/foo/bar`)).toEqual(['foo']);
  });
});

describe('keyring_test.go TestKeyringMiss: the key does not serve <lookup>/foo/bar', () => {
  test.each([
    ['https://hello.kubernetes.io', 'world.mesos.org'],
    ['https://*.docker.com', 'prefix.docker.io'],
    ['https://suffix.*.io', 'prefix.docker.io'],
    ['https://prefix.docker.c*', 'prefix.docker.io'],
    ['https://prefix.*.io/path:1111', 'prefix.docker.io/path/subpath:1111'],
    ['suffix.*.io', 'prefix.docker.io'],
  ])('%s misses %s', (key, lookup) => {
    expect(usersFor({ [key]: auth('foo') }, `${lookup}/foo/bar`)).toEqual([]);
  });
});

describe('keyring_test.go: Docker Hub keys', () => {
  const hub = { 'https://index.docker.io/v1/': auth('foo') };
  test('TestKeyringMissWithDockerHubCredentials: not used for another registry', () => {
    expect(usersFor(hub, 'world.mesos.org/foo/bar')).toEqual([]);
  });
  test.each([['google/docker-registry'], ['jenkins'], ['index.docker.io/v1//google/docker-registry']])('TestKeyringHit…DockerHub: used once for %s', (image) => {
    expect(usersFor(hub, image)).toEqual(['foo']);
  });

  test.each([
    ['foo/bar', true],
    ['docker.io/foo/bar', true],
    ['index.docker.io/foo/bar', true],
    ['foo', true],
    ['', false],
    ['registry.tld/foo/bar', false],
    ['registry:5000/foo/bar', false],
    ['myhostdocker.io/foo/bar', false],
    // ours: the kubelet's test has no special case for localhost, so it counts as Docker Hub here.
    ['localhost/foo/bar', true],
  ])('TestIsDefaultRegistryMatch %j → %s', (image, expected) => {
    expect(isDockerHubImage(image)).toBe(expected);
  });

  // ours, from Add + Lookup: which keys the kubelet uses for a Docker Hub image (docker.io/team/app).
  test.each([
    ['docker.io', true, 'matches the image host directly'],
    ['https://docker.io', true, 'scheme dropped'],
    ['https://index.docker.io/v1/', true, 'filed under index.docker.io, the fallback when no key matches'],
    ['index.docker.io', true, 'the fallback key itself'],
    ['https://index.docker.io/v2/', true, '/v2/ dropped as /v1/ is'],
    ['docker.io/team', true, 'path prefix'],
    ['*.io', true, 'two labels, glob matches docker'],
    ['https://index.docker.io/v1', false, 'no trailing slash: the path stays, the key is index.docker.io/v1, not the fallback'],
    ['registry-1.docker.io', false, 'three host labels against two, and not the fallback key'],
    ['https://registry.hub.docker.com', false, 'another host, and not the fallback key'],
    ['*.docker.io', false, 'three labels against two'],
    ['Docker.io', false, 'letter case counts'],
    ['docker.io/other', false, 'path prefix differs, and a key matched nothing only falls back to index.docker.io'],
  ])('key %s for docker.io/team/app → %s (%s)', (key, used) => {
    expect(usersFor({ [key]: auth('u') }, 'docker.io/team/app')).toEqual(used ? ['u'] : []);
  });

  test('the index.docker.io fallback applies only when no key matches', () => {
    expect(usersFor({ 'docker.io/team': auth('team'), 'https://index.docker.io/v1/': auth('hub') }, 'docker.io/team/app')).toEqual(['team']);
    expect(usersFor({ 'docker.io/team': auth('team'), 'https://index.docker.io/v1/': auth('hub') }, 'docker.io/other/app')).toEqual(['hub']);
  });
});

describe('keyring_test.go TestDockerKeyringLookup: the path of a key is a plain string prefix', () => {
  const config = { 'bar.example.com/pong': { username: 'grace', password: 'squash' }, 'bar.example.com': { username: 'ada', password: 'smash' } };
  test.each([
    ['bar.example.com', ['ada']],
    ['bar.example.com/pong', ['grace', 'ada']],
    ['bar.example.com/ping', ['ada']],
    ['bar.example.com/pongz', ['grace', 'ada']],
    ['bar.example.com/pong/pang', ['grace', 'ada']],
    ['example.com', []],
    ['foo.example.com', []],
  ])('%s → %j', (image, users) => {
    expect(usersFor(config, image)).toEqual(users);
  });

  test('TestIssue3797: a key with scheme and /v1/ serves every image of its host', () => {
    const rex = { 'https://quay.io/v1/': { username: 'rex', password: 'tiny arms' } };
    for (const image of ['quay.io', 'quay.io/foo', 'quay.io/foo/bar']) expect(usersFor(rex, image)).toEqual(['rex']);
  });
});

describe('key parsing (ours, from Add: url.Parse after adding https:// when the key has no http(s):// prefix)', () => {
  test.each([
    ['registry.example.com', 'registry.example.com'],
    ['https://registry.example.com', 'registry.example.com'],
    ['http://registry.example.com/', 'registry.example.com'],
    ['registry.example.com/team/', 'registry.example.com/team/'],
    ['registry.example.com/team//', 'registry.example.com/team//'],
    ['registry.example.com:5000/v1/team', 'registry.example.com:5000/team'],
    ['registry.example.com/v1', 'registry.example.com/v1'],
    ['user:pw@registry.example.com/team', 'registry.example.com/team'],
    ['registry.example.com/team?x=1#y', 'registry.example.com/team'],
    ['registry.example.com/te%61m', 'registry.example.com/team'],
    ['HTTPS://registry.example.com', 'HTTPS://registry.example.com'],
    ['Registry.Example.com', 'Registry.Example.com'],
  ])('%s is filed under %s', (location, key) => {
    expect(keyringKey(location)).toBe(key);
  });

  test.each([['registry example.com'], ['registry.example.com:50x0'], ['registry.example.com/%zz'], ['registry.example.com/\u0001']])('%j cannot be parsed: the entry is skipped', (location) => {
    expect(keyringKey(location)).toBeUndefined();
  });

  test.each([
    ['https://registry.example.com', 'registry.example.com/app', true, 'scheme dropped'],
    ['HTTPS://registry.example.com', 'registry.example.com/app', false, 'only lower-case https:// or http:// is recognised as a scheme'],
    ['registry.example.com/', 'registry.example.com/app', true, 'a lone slash is the host'],
    ['registry.example.com/team/', 'registry.example.com/team/app', true, 'prefix with the slash'],
    ['registry.example.com/team/', 'registry.example.com/team', false, 'the image path is shorter than the key path'],
    ['registry.example.com/team//', 'registry.example.com/team/app', false, 'a double slash stays in the prefix'],
    ['registry.example.com/team', 'registry.example.com/teamster/app', true, 'plain string prefix, not per path component'],
    ['registry.example.com:5000', 'registry.example.com/app', false, 'ports must be equal'],
    ['registry.example.com', 'registry.example.com:5000/app', false, 'ports must be equal'],
    ['registry.example.com:', 'registry.example.com/app', true, 'an empty port is no port'],
    ['127.0.0.1:5000', '127.0.0.1:5000/app', true, 'addresses are labels too'],
    ['Registry.Example.com', 'Registry.Example.com/app', true, 'same letter case'],
    ['Registry.Example.com', 'registry.example.com/app', false, 'letter case counts'],
  ])('key %s for %s → %s (%s)', (key, image, used) => {
    expect(usersFor({ [key]: auth('u') }, image)).toEqual(used ? ['u'] : []);
  });

  test('more specific keys first: reverse byte order of the keys, secrets in order among equal keys', () => {
    const entries = [
      ...credentialsFromSecret('kubernetes.io/dockercfg', dockercfg({ 'r.example': auth('first-host'), 'r.example/team': auth('first-team') }), 'secret ns/a'),
      ...credentialsFromSecret('kubernetes.io/dockercfg', dockercfg({ 'https://r.example': auth('second-host') }), 'secret ns/b'),
    ];
    expect(matchCredentials(entries, 'r.example/team/app').map((c) => c.username)).toEqual(['first-team', 'first-host', 'second-host']);
  });

  test('the same credential under two matching keys is tried once', () => {
    expect(usersFor({ 'docker.io': auth('a'), 'docker.io/x': auth('a') }, 'docker.io/x/y')).toEqual(['a']);
  });
});

describe('config_test.go: DockerConfigEntry decoding', () => {
  const entryOf = (entry: unknown) => {
    const [only] = credentialsFromSecret('kubernetes.io/dockerconfigjson', dockerConfigJson({ 'r.example': entry }), 'secret ns/s');
    return { username: only.credential.username, password: only.credential.password };
  };
  test.each([
    [{ username: 'foo', password: 'bar', email: 'foo@example.com' }, 'foo', 'bar'],
    [{ auth: 'Zm9vOmJhcg==', email: 'foo@example.com' }, 'foo', 'bar'],
    [{ username: 'foo', password: 'bar', auth: 'cGluZzpwb25n', email: 'foo@example.com' }, 'ping', 'pong'],
    // ours: Go's JSON decoding matches field names ignoring case.
    [{ Username: 'foo', PASSWORD: 'bar' }, 'foo', 'bar'],
  ])('TestDockerConfigEntryJSONDecode %j → %s/%s', (entry, username, password) => {
    expect(entryOf(entry)).toEqual({ username, password });
  });

  test.each([
    [{ auth: 'pants', email: 'foo@example.com' }, 'is not base64'],
    [{ email: false }, '"email" of the entry for "r.example" is not a string'],
  ])('TestDockerConfigEntryJSONDecode %j fails: %s', (entry, reason) => {
    expect(() => entryOf(entry)).toThrow(reason);
  });

  test.each([
    ['Zm9vOmJhcg==', 'foo', 'bar'],
    ['Zm9vOmJhcg', 'foo', 'bar'],
    ['Zm9vOm\nJhcg==\n', 'foo', 'bar'],
    [b64('foo:bar'), 'foo', 'bar'],
    [b64('foo:bar').replace(/=+$/, ''), 'foo', 'bar'],
  ])('TestDecodeDockerConfigFieldAuth %j → %s/%s', (value, username, password) => {
    expect(entryOf({ auth: value })).toEqual({ username, password });
  });

  test.each([
    ['cGFudHM=', 'does not decode to username:password'],
    ['Zm9vOmJhcg== ', 'is not base64'],
    [' Zm9vOmJhcg==', 'is not base64'],
    ['pants', 'is not base64'],
  ])('TestDecodeDockerConfigFieldAuth %j fails: %s', (value, reason) => {
    expect(() => entryOf({ auth: value })).toThrow(reason);
  });

  test('TestDockerConfigJSONDecode / TestDockerConfigJsonJSONDecode: both secret formats', () => {
    const auths = { 'http://foo.example.com': { username: 'foo', password: 'bar', email: 'foo@example.com' }, 'http://bar.example.com': { username: 'bar', password: 'baz', email: 'bar@example.com' } };
    for (const [type, data] of [['kubernetes.io/dockercfg', dockercfg(auths)], ['kubernetes.io/dockerconfigjson', dockerConfigJson(auths)]] as const) {
      const entries = credentialsFromSecret(type, data, 'secret ns/s');
      expect(entries.map((e) => [e.key, e.credential.username, e.credential.password])).toEqual([
        ['foo.example.com', 'foo', 'bar'],
        ['bar.example.com', 'bar', 'baz'],
      ]);
    }
  });

  // ours: what `docker login` leaves when a credential helper holds the password, and its kin, decode
  // to an entry with no username (the runtime then pulls anonymously); the other entries stay.
  test.each([[{}], [{ email: 'a@b.c' }], [{ identitytoken: 'opaque' }], [null]])('entry %j is an empty credential next to the good one', (empty) => {
    const entries = credentialsFromSecret('kubernetes.io/dockerconfigjson', dockerConfigJson({ 'r.example': empty, 'other.example': auth('good') }), 'secret ns/s');
    expect(entries.map((e) => [e.key, e.credential.username])).toEqual([
      ['r.example', ''],
      ['other.example', 'good'],
    ]);
  });
});

describe('secrets.go MakeDockerKeyring: which secrets count', () => {
  test.each([
    ['Opaque', dockerConfigJson({ 'r.example': auth('u') }), 'its type is Opaque'],
    ['kubernetes.io/dockerconfigjson', {}, '.dockerconfigjson is empty or missing'],
    ['kubernetes.io/dockerconfigjson', { '.dockerconfigjson': '' }, '.dockerconfigjson is empty or missing'],
    ['kubernetes.io/dockercfg', dockerConfigJson({}), '.dockercfg is empty or missing'],
  ])('a %s secret with data %j is skipped: %s', (type, data, reason) => {
    expect(ignoredSecretReason(type, data)).toContain(reason);
    expect(credentialsFromSecret(type, data, 'secret ns/s')).toEqual([]);
  });

  test.each([
    ['a .dockerconfigjson without auths', { '.dockerconfigjson': b64(JSON.stringify({ credsStore: 'desktop' })) }],
    ['a .dockerconfigjson of null', { '.dockerconfigjson': b64('null') }],
  ])('%s gives no credentials and no error', (_name, data) => {
    expect(credentialsFromSecret('kubernetes.io/dockerconfigjson', data, 'secret ns/s')).toEqual([]);
  });

  test.each([
    ['not base64', { '.dockerconfigjson': '!!!notbase64' }, 'not valid base64'],
    ['not JSON', { '.dockerconfigjson': b64('{not json') }, 'not valid JSON'],
    ['a JSON array', { '.dockerconfigjson': b64('[1]') }, 'is not a JSON object'],
    ['auths a string', { '.dockerconfigjson': b64('{"auths": "x"}') }, '"auths" of .dockerconfigjson is not a JSON object'],
    ['an entry a string', dockerConfigJson({ 'r.example': 'x' }), 'the entry for "r.example" is not a JSON object'],
    ['auth without colon', dockerConfigJson({ 'r.example': { auth: b64('nocolon') } }), 'does not decode to username:password'],
    ['a password as a number', dockerConfigJson({ 'user:hunter2@r.example': { password: 12345 } }), '"password" of the entry for "...@r.example" is not a string'],
  ])('malformed (%s): refused with a reason that holds no secret', (_name, data, reason) => {
    let caught: unknown;
    try {
      credentialsFromSecret('kubernetes.io/dockerconfigjson', data as Record<string, string>, 'secret ns/bad');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SecretFormatError);
    expect((caught as Error).message).toContain(reason);
    expect((caught as Error).message).not.toMatch(/nocolon|not json|hunter2|12345/);
  });
});
