import { parseChallenges } from '../../src/registry/auth/challenge.js';

describe('WWW-Authenticate parsing', () => {
  test('Docker Hub style bearer challenge', () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' } },
    ]);
  });

  test('error parameter and spaces after commas', () => {
    const [challenge] = parseChallenges('Bearer realm="https://a/token", service="reg", scope="repository:x:pull", error="insufficient_scope"');
    expect(challenge.params.error).toBe('insufficient_scope');
    expect(challenge.params.service).toBe('reg');
  });

  test('basic challenge with realm', () => {
    expect(parseChallenges('Basic realm="Registry Realm"')).toEqual([{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
  });

  test('several challenges in one header', () => {
    const challenges = parseChallenges('Basic realm="r", Bearer realm="https://t/token",service="s"');
    expect(challenges.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(challenges[1].params).toEqual({ realm: 'https://t/token', service: 's' });
  });

  test('unquoted values and escaped quotes', () => {
    expect(parseChallenges('Bearer realm=https://t/token,service="a \\"b\\""')[0].params).toEqual({ realm: 'https://t/token', service: 'a "b"' });
  });

  test.each(['', '   ', '"', '=', ',,,', 'Bearer', 'Bearer realm="unterminated', '\u0000\u0001', '{"json":1}'])('garbage %j never throws', (header) => {
    expect(() => parseChallenges(header)).not.toThrow();
  });

  test('scheme without parameters', () => {
    expect(parseChallenges('Bearer')).toEqual([{ scheme: 'bearer', params: {} }]);
  });

  test('an enormous header is bounded', () => {
    const challenges = parseChallenges(`Bearer realm="${'x'.repeat(100_000)}"`);
    expect(challenges[0].params.realm.length).toBeLessThan(10_000);
  });
});
