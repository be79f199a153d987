import { manifestReference, parseReference } from '../../src/registry/references/reference.js';

const D = 'sha256:' + 'a'.repeat(64);

// [input, normalized, registry, repository, manifest reference]
const valid: Array<[string, string, string, string, string]> = [
  ['nginx', 'docker.io/library/nginx:latest', 'docker.io', 'library/nginx', 'latest'],
  ['nginx:1.25', 'docker.io/library/nginx:1.25', 'docker.io', 'library/nginx', '1.25'],
  ['library/nginx', 'docker.io/library/nginx:latest', 'docker.io', 'library/nginx', 'latest'],
  ['docker.io/nginx', 'docker.io/library/nginx:latest', 'docker.io', 'library/nginx', 'latest'],
  ['docker.io/library/nginx:alpine', 'docker.io/library/nginx:alpine', 'docker.io', 'library/nginx', 'alpine'],
  ['index.docker.io/nginx', 'docker.io/library/nginx:latest', 'docker.io', 'library/nginx', 'latest'],
  ['index.docker.io/team/app:v1', 'docker.io/team/app:v1', 'docker.io', 'team/app', 'v1'],
  ['bitnami/redis:7.2', 'docker.io/bitnami/redis:7.2', 'docker.io', 'bitnami/redis', '7.2'],
  ['quay.io/prometheus/node-exporter:v1.8.0', 'quay.io/prometheus/node-exporter:v1.8.0', 'quay.io', 'prometheus/node-exporter', 'v1.8.0'],
  ['ghcr.io/org/team/app', 'ghcr.io/org/team/app:latest', 'ghcr.io', 'org/team/app', 'latest'],
  ['localhost/app', 'localhost/app:latest', 'localhost', 'app', 'latest'],
  ['localhost:5000/app:dev', 'localhost:5000/app:dev', 'localhost:5000', 'app', 'dev'],
  ['127.0.0.1:5000/team/app', '127.0.0.1:5000/team/app:latest', '127.0.0.1:5000', 'team/app', 'latest'],
  ['registry.example.com:443/app:1', 'registry.example.com:443/app:1', 'registry.example.com:443', 'app', '1'],
  ['Registry.Example.COM/app', 'Registry.Example.COM/app:latest', 'Registry.Example.COM', 'app', 'latest'],
  ['MyRegistry/app', 'MyRegistry/app:latest', 'MyRegistry', 'app', 'latest'],
  ['registry.example.com', 'docker.io/library/registry.example.com:latest', 'docker.io', 'library/registry.example.com', 'latest'],
  [`nginx@${D}`, `docker.io/library/nginx@${D}`, 'docker.io', 'library/nginx', D],
  [`nginx:1.25@${D}`, `docker.io/library/nginx:1.25@${D}`, 'docker.io', 'library/nginx', D],
  [`quay.io/a/b:c@${D}`, `quay.io/a/b:c@${D}`, 'quay.io', 'a/b', D],
  [`localhost:5000/app@${D}`, `localhost:5000/app@${D}`, 'localhost:5000', 'app', D],
  [`app@sha512:${'b'.repeat(128)}`, `docker.io/library/app@sha512:${'b'.repeat(128)}`, 'docker.io', 'library/app', `sha512:${'b'.repeat(128)}`],
  ['my-app', 'docker.io/library/my-app:latest', 'docker.io', 'library/my-app', 'latest'],
  ['my__app', 'docker.io/library/my__app:latest', 'docker.io', 'library/my__app', 'latest'],
  ['my.app/x', 'my.app/x:latest', 'my.app', 'x', 'latest'],
  ['team/my.app', 'docker.io/team/my.app:latest', 'docker.io', 'team/my.app', 'latest'],
  ['team/my---app', 'docker.io/team/my---app:latest', 'docker.io', 'team/my---app', 'latest'],
  ['nginx:V1_2-rc.3', 'docker.io/library/nginx:V1_2-rc.3', 'docker.io', 'library/nginx', 'V1_2-rc.3'],
  ['nginx:_private', 'docker.io/library/nginx:_private', 'docker.io', 'library/nginx', '_private'],
  [`nginx:${'t'.repeat(128)}`, `docker.io/library/nginx:${'t'.repeat(128)}`, 'docker.io', 'library/nginx', 't'.repeat(128)],
  ['localhost:5000', 'docker.io/library/localhost:5000', 'docker.io', 'library/localhost', '5000'],
  ['a/b/c/d/e:1', 'docker.io/a/b/c/d/e:1', 'docker.io', 'a/b/c/d/e', '1'],
  ['[::1]:5000/app', '[::1]:5000/app:latest', '[::1]:5000', 'app', 'latest'],
  ['xn--bcher-kva.example/app', 'xn--bcher-kva.example/app:latest', 'xn--bcher-kva.example', 'app', 'latest'],
  ['0.0.0.0/app', '0.0.0.0/app:latest', '0.0.0.0', 'app', 'latest'],
];

// [input, part of the reason]
const invalid: Array<[string, string]> = [
  ['', 'empty'],
  ['   ', 'empty'],
  [' nginx', 'white space'],
  ['Nginx', 'lowercase'],
  ['team/App', 'lowercase'],
  ['nginx:', 'invalid tag'],
  ['nginx:-bad', 'invalid tag'],
  [`nginx:${'t'.repeat(129)}`, 'invalid tag'],
  ['nginx:a b', 'invalid tag'],
  ['nginx@', 'invalid digest'],
  ['nginx@sha256:abc', 'invalid digest'],
  [`nginx@sha256:${'a'.repeat(63)}`, 'digest must be 64'],
  [`nginx@sha256:${'A'.repeat(64)}`, 'lower-case'],
  [`nginx@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm'],
  [`nginx@${D}@${D}`, 'invalid digest'],
  ['a'.repeat(64), 'image ID'],
  ['team//app', 'empty path component'],
  ['/app', 'empty path component'],
  ['app/', 'empty path component'],
  ['-app', 'invalid repository path component'],
  ['app-', 'invalid repository path component'],
  ['a..b', 'invalid repository path component'],
  ['a___b', 'invalid repository path component'],
  ['registry.example.com:99999/app', 'out of range'],
  ['registry.example.com:0/app', 'out of range'],
  ['bad_host.com/app', 'invalid registry host'],
  ['-bad.example.com/app', 'invalid registry host'],
  ['registry.example.com/', 'empty path component'],
  ['ngïnx', 'invalid repository path component'],
  ['nginx\u0000', 'invalid repository path component'],
  [`team/${'a'.repeat(260)}`, 'longer than 255'],
  ['x'.repeat(5000), 'too long'],
  [':tag', 'missing repository name'],
];

describe('image reference normalisation', () => {
  test.each(valid)('%s → %s', (input, normalized, registry, repository, ref) => {
    const parsed = parseReference(input);
    expect(parsed.normalized).toBe(normalized);
    expect(parsed.registry).toBe(registry);
    expect(parsed.repository).toBe(repository);
    expect(manifestReference(parsed)).toBe(ref);
    expect(parsed.original).toBe(input);
  });

  test.each(invalid)('%j is refused (%s)', (input, reason) => {
    expect(() => parseReference(input)).toThrow(reason);
  });

  test('the table is large enough to cover the odd cases', () => {
    expect(valid.length + invalid.length).toBeGreaterThanOrEqual(60);
  });

  test('normalised references parse to themselves', () => {
    for (const [input] of valid) {
      const once = parseReference(input);
      expect(parseReference(once.normalized).normalized).toBe(once.normalized);
    }
  });
});
