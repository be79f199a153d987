import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageResolver } from '../../src/index/image-resolver.js';
import { Mirrors, MirrorError } from '../../src/registry/references/mirrors.js';
import { parseReference } from '../../src/registry/references/reference.js';

describe('default registry', () => {
  test('names without a host go to it, without library/', () => {
    const resolver = new ImageResolver('registry.internal:5000');
    expect(resolver.resolve('nginx:1').checked.normalized).toBe('registry.internal:5000/nginx:1');
    expect(resolver.resolve('team/app').checked.normalized).toBe('registry.internal:5000/team/app:latest');
    expect(resolver.resolve('quay.io/a/b:1').checked.normalized).toBe('quay.io/a/b:1');
  });
});

describe('image mirrors', () => {
  test.each([
    [['docker.io=mirror.internal/hub'], 'nginx:1', 'mirror.internal/hub/library/nginx:1'],
    [['index.docker.io=mirror.internal/hub'], 'team/app', 'mirror.internal/hub/team/app:latest'],
    [['docker.io=m1.internal', 'docker.io/library=m2.internal/official'], 'nginx:1', 'm2.internal/official/nginx:1'],
    [['docker.io=m1.internal', 'docker.io/library=m2.internal/official'], 'team/app:1', 'm1.internal/team/app:1'],
    [['docker.io/library=m2.internal'], 'docker.io/libraryx/app:1', 'docker.io/libraryx/app:1'],
    [['quay.io/org=mirror.internal/quay-org/'], `quay.io/org/app@sha256:${'a'.repeat(64)}`, `mirror.internal/quay-org/app@sha256:${'a'.repeat(64)}`],
  ])('%j: %s → %s', (specs, image, checked) => {
    expect(new ImageResolver('docker.io', specs).resolve(image).checked.normalized).toBe(checked);
  });

  test('the reference the runtime pulls stays the original (filters look at it)', () => {
    const resolved = new ImageResolver('docker.io', ['docker.io=mirror.internal']).resolve('nginx');
    expect(resolved.pulled.normalized).toBe('docker.io/library/nginx:latest');
    expect(resolved.checked.registry).toBe('mirror.internal');
  });

  test.each(['nomirror', 'a=b=c', '=b', 'a='])('bad spec %j is refused', (spec) => {
    expect(() => new Mirrors([spec])).toThrow(MirrorError);
  });
});

describe('allowed and ignored images', () => {
  const ref = (image: string) => parseReference(image);
  test('only allowed images pass; ignored wins over allowed', () => {
    const filter = new ImageFilter(['registry.internal/team/secret'], ['registry.internal/*']);
    expect(filter.ignores('registry.internal/team/app:1', ref('registry.internal/team/app:1'))).toBe(false);
    expect(filter.ignores('nginx', ref('nginx'))).toBe(true);
    expect(filter.ignores('registry.internal/team/secret:1', ref('registry.internal/team/secret:1'))).toBe(true);
  });

  test('no allowed patterns: everything not ignored passes', () => {
    expect(new ImageFilter([], []).ignores('nginx', ref('nginx'))).toBe(false);
  });
});
