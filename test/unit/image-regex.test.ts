// The Go exporter's ~-separated regular expressions for --ignored-images / --allowed-images:
// recognised, matched as there (anywhere in the image as written), refused when they cannot compile.
import { ConfigError, loadSettings } from '../../src/settings/config.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { compileImageRegex, isRegexList, MAX_MATCHED_IMAGE_LENGTH } from '../../src/index/image-regex.js';
import { ImageResolver } from '../../src/index/image-resolver.js';

const resolver = new ImageResolver();
const ignoredBy = (value: string) => {
  const filter = new ImageFilter(loadSettings([`--ignored-images=${value}`], {}).ignoredImages, [], resolver);
  return (image: string) => filter.ignores(image, resolver.parse(image));
};

describe('recognising the form', () => {
  test.each([
    ['regex:nginx', true],
    ['^registry\\.example\\.com/', true],
    ['.*nginx.*', true],
    ['nginx~redis', true],
    ['quay.io/(team|ops)/.+', true],
    ['app:v[0-9]+', true],
    ['nginx', false],
    ['registry.internal/*', false],
    ['*:latest,nginx:1.25', false],
    ['docker.io/library/nginx@sha256:0123', false],
  ])('%s → regular expressions: %s', (value, expected) => {
    expect(isRegexList(value)).toBe(expected);
  });

  test('a regular expression with commas stays one expression; ~ separates them', () => {
    expect(loadSettings(['-ignored-images', '^a{1,3}/b~nginx$'], {}).ignoredImages).toEqual(['regex:^a{1,3}/b', 'regex:nginx$']);
    expect(loadSettings(['--ignored-images=regex:nginx'], {}).ignoredImages).toEqual(['regex:nginx']);
    expect(loadSettings(['--ignored-images=nginx,quay.io/*'], {}).ignoredImages).toEqual(['nginx', 'quay.io/*']);
  });

  test('an environment value is read like a flag value', () => {
    expect(loadSettings([], { IAE_ALLOWED_IMAGES: 'regex:^registry\\.internal/~^quay\\.io/' }).allowedImages).toEqual(['regex:^registry\\.internal/', 'regex:^quay\\.io/']);
  });
});

describe('matching as the Go exporter does: anywhere in the image as written', () => {
  test('~-separated expressions, each unanchored', () => {
    const ignored = ignoredBy('^registry\\.example\\.com/~nginx');
    expect(ignored('registry.example.com/team/app:v1')).toBe(true);
    expect(ignored('bitnami/nginx:1.25')).toBe(true);
    expect(ignored('quay.io/ingress/nginx-controller:v1')).toBe(true);
    expect(ignored('quay.io/team/app:v1')).toBe(false);
    // As written: the normalised docker.io/library/redis is not what the workload says.
    expect(ignoredBy('^docker\\.io/')('redis:7')).toBe(false);
  });

  test('a Go flag group (?i) and named group (?P<x>) are translated', () => {
    expect(ignoredBy('(?i)^QUAY\\.IO/')('quay.io/team/app:v1')).toBe(true);
    expect(compileImageRegex('(?P<host>[^/]+)/app').exec('quay.io/app')?.groups?.host).toBe('quay.io');
    expect(compileImageRegex('\\Anginx:1\\z').test('nginx:1')).toBe(true);
  });

  test('allowed regular expressions: an image matching one is checked', () => {
    const filter = new ImageFilter([], loadSettings(['-allowed-images=^registry\\.internal/~^quay\\.io/'], {}).allowedImages, resolver);
    expect(filter.ignores('registry.internal/app:v1', resolver.parse('registry.internal/app:v1'))).toBe(false);
    expect(filter.ignores('quay.io/app:v1', resolver.parse('quay.io/app:v1'))).toBe(false);
    expect(filter.ignores('nginx:1.25', resolver.parse('nginx:1.25'))).toBe(true);
  });

  test('an image longer than any valid reference is never scanned by an expression', () => {
    const huge = `registry.example.com/${'a'.repeat(MAX_MATCHED_IMAGE_LENGTH)}:v1`;
    expect(new ImageFilter(['regex:^registry']).ignores(huge)).toBe(false);
  });
});

describe('refused with one line naming the setting and the expression', () => {
  test.each([
    ['--ignored-images=^registry(', /^ignoredImages: "\^registry\(" is not a valid regular expression \(.+\): the Go exporter's form is ~-separated expressions, e.g. regex:\^registry\\\.internal\/~nginx \(got "\^registry\(" from flag --ignored-images\)$/],
    ['--allowed-images=regex:[z-a]', /^allowedImages: "\[z-a\]" is not a valid regular expression/],
    ['--ignored-images=(?U)a+', /^ignoredImages: regular expression "\(\?U\)a\+": the ungreedy flag/],
    ['--ignored-images=regex:~', /^ignoredImages: "regex:~" holds no regular expression/],
    ['--ignored-images=nginx,regex:^a', /^ignoredImages: "nginx,regex:\^a": regex: may only start the whole value/],
  ])('%s', (arg, message) => {
    let caught: unknown;
    try {
      loadSettings([arg], {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain('\n');
    expect((caught as Error).message).not.toMatch(/u0000|value was/);
  });
});
