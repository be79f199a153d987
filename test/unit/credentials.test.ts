import { credentialsFromSecret, matchCredentials, SecretFormatError } from '../../src/registry/credentials.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const dockerConfigJson = (auths: Record<string, unknown>) => ({ '.dockerconfigjson': b64(JSON.stringify({ auths })) });
const entry = (user: string, pass = 'secret') => ({ auth: b64(`${user}:${pass}`) });

function usersFor(auths: Record<string, unknown>, repository: string): string[] {
  const entries = credentialsFromSecret('kubernetes.io/dockerconfigjson', dockerConfigJson(auths), 'secret ns/regcred');
  return matchCredentials(entries, repository).map((c) => c.username);
}

describe('pull secret credentials matched as the kubelet does', () => {
  test.each([
    // [auth keys → user, repository, users expected in order]
    [{ 'registry.example.com': 'a' }, 'registry.example.com/team/app', ['a']],
    [{ 'https://registry.example.com': 'a' }, 'registry.example.com/team/app', ['a']],
    [{ 'http://registry.example.com/': 'a' }, 'registry.example.com/team/app', ['a']],
    [{ 'registry.example.com': 'a' }, 'other.example.com/team/app', []],
    [{ 'registry.example.com:5000': 'a' }, 'registry.example.com/app', []],
    [{ 'registry.example.com': 'a' }, 'registry.example.com:5000/app', []],
    [{ 'registry.example.com:5000': 'a' }, 'registry.example.com:5000/app', ['a']],
    [{ 'registry.example.com/team': 'a' }, 'registry.example.com/team/app', ['a']],
    [{ 'registry.example.com/team': 'a' }, 'registry.example.com/teamster/app', []],
    [{ 'registry.example.com/team': 'a' }, 'registry.example.com/other/app', []],
    [{ 'registry.example.com': 'a', 'registry.example.com/team': 'b' }, 'registry.example.com/team/app', ['b', 'a']],
    [{ '*.example.com': 'a' }, 'registry.example.com/app', ['a']],
    [{ '*.example.com': 'a' }, 'example.com/app', []],
    [{ '*.example.com': 'a' }, 'a.b.example.com/app', []],
    [{ '*.*.example.com': 'a' }, 'a.b.example.com/app', ['a']],
    [{ 'reg*.example.com': 'a' }, 'registry.example.com/app', ['a']],
    [{ 'https://index.docker.io/v1/': 'a' }, 'docker.io/library/nginx', ['a']],
    [{ 'index.docker.io': 'a' }, 'docker.io/team/app', ['a']],
    [{ 'docker.io': 'a' }, 'docker.io/team/app', ['a']],
    [{ 'registry-1.docker.io': 'a' }, 'docker.io/team/app', ['a']],
    [{ 'https://index.docker.io/v1/': 'a' }, 'quay.io/team/app', []],
    [{ 'docker.io/team': 'a', 'docker.io': 'b' }, 'docker.io/team/app', ['a', 'b']],
    [{ '127.0.0.1:5000': 'a' }, '127.0.0.1:5000/app', ['a']],
    [{ 'https://registry.example.com/v2/': 'a' }, 'registry.example.com/app', ['a']],
  ] as Array<[Record<string, string>, string, string[]]>)('%j for %s → %j', (keys, repository, expected) => {
    const auths = Object.fromEntries(Object.entries(keys).map(([key, user]) => [key, entry(user)]));
    expect(usersFor(auths, repository)).toEqual(expected);
  });

  test('the same credential under two matching keys is tried once', () => {
    expect(usersFor({ 'docker.io': entry('a'), 'index.docker.io': entry('a') }, 'docker.io/x/y')).toEqual(['a']);
  });

  test('username and password fields are used when auth is absent', () => {
    const entries = credentialsFromSecret('kubernetes.io/dockerconfigjson', dockerConfigJson({ 'r.example': { username: 'u', password: 'p:with:colons' } }), 'secret ns/s');
    expect(matchCredentials(entries, 'r.example/app')).toEqual([{ username: 'u', password: 'p:with:colons', source: 'secret ns/s' }]);
  });

  test('a password containing colons survives the auth field', () => {
    const entries = credentialsFromSecret('kubernetes.io/dockerconfigjson', dockerConfigJson({ 'r.example': entry('u', 'a:b:c') }), 'secret ns/s');
    expect(matchCredentials(entries, 'r.example/app')[0].password).toBe('a:b:c');
  });

  test('legacy kubernetes.io/dockercfg holds the auths map directly', () => {
    const data = { '.dockercfg': b64(JSON.stringify({ 'https://r.example': entry('legacy') })) };
    const entries = credentialsFromSecret('kubernetes.io/dockercfg', data, 'secret ns/old');
    expect(matchCredentials(entries, 'r.example/app').map((c) => c.username)).toEqual(['legacy']);
  });

  test('a config without auths gives no credentials', () => {
    const data = { '.dockerconfigjson': b64(JSON.stringify({ credsStore: 'desktop' })) };
    expect(credentialsFromSecret('kubernetes.io/dockerconfigjson', data, 'secret ns/s')).toEqual([]);
  });

  test.each([
    ['wrong type', 'Opaque', { '.dockerconfigjson': b64('{}') }, 'is not kubernetes.io/dockerconfigjson'],
    ['missing key', 'kubernetes.io/dockerconfigjson', {}, 'no .dockerconfigjson'],
    ['not base64', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': '!!!notbase64' }, 'not valid base64'],
    ['not JSON', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{not json') }, 'not a JSON object'],
    ['JSON array', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('[1]') }, 'not a JSON object'],
    ['auths not an object', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths": "x"}') }, '"auths" is not an object'],
    ['auth without colon', 'kubernetes.io/dockerconfigjson', dockerConfigJson({ 'r.example': { auth: b64('nocolon') } }), 'is not "username:password"'],
    ['auth not base64', 'kubernetes.io/dockerconfigjson', dockerConfigJson({ 'r.example': { auth: '%%%' } }), 'auth of r.example is not valid base64'],
    ['empty entry', 'kubernetes.io/dockerconfigjson', dockerConfigJson({ 'r.example': {} }), 'neither auth nor username/password'],
    ['null entry', 'kubernetes.io/dockerconfigjson', dockerConfigJson({ 'r.example': null }), 'is not an object'],
  ])('malformed secret (%s) is refused with a reason that holds no secret', (_name, type, data, reason) => {
    let caught: unknown;
    try {
      credentialsFromSecret(type, data as Record<string, string>, 'secret ns/bad');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SecretFormatError);
    expect((caught as Error).message).toContain(reason);
    expect((caught as Error).message).not.toContain('secret"');
    expect((caught as Error).message).not.toMatch(/nocolon|not json/);
  });
});
