// distribution/reference's own tables (normalize_test.go, reference_test.go), ported as data. The
// kubelet and the runtime parse pod images with ParseNormalizedNamed, so every row is read that
// way: reference_test.go's Parse rows (no normalisation) are given here with the registry and path
// the normalised parse yields, and say so. Rows where the exporter deliberately answers otherwise
// say why.
import { manifestReference, parseReference } from '../../src/registry/references/reference.js';

const F64 = 'f'.repeat(64);
const HEX = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';

/** [input, registry/repository[:tag][@digest] the runtime pulls, or undefined when it refuses the reference] */
const rows: Array<[string, string | undefined, string?]> = [
  // normalize_test.go TestValidateReferenceName
  ['docker/docker', 'docker.io/docker/docker'],
  ['library/debian', 'docker.io/library/debian'],
  ['debian', 'docker.io/library/debian'],
  ['localhost/library/debian', 'localhost/library/debian'],
  ['localhost/debian', 'localhost/debian'],
  ['LOCALDOMAIN/library/debian', 'LOCALDOMAIN/library/debian'],
  ['LOCALDOMAIN/debian', 'LOCALDOMAIN/debian'],
  ['docker.io/docker/docker', 'docker.io/docker/docker'],
  ['docker.io/library/debian', 'docker.io/library/debian'],
  ['docker.io/debian', 'docker.io/library/debian'],
  ['index.docker.io/docker/docker', 'docker.io/docker/docker'],
  ['index.docker.io/library/debian', 'docker.io/library/debian'],
  ['index.docker.io/debian', 'docker.io/library/debian'],
  ['127.0.0.1:5000/docker/docker', '127.0.0.1:5000/docker/docker'],
  ['127.0.0.1:5000/library/debian', '127.0.0.1:5000/library/debian'],
  ['127.0.0.1:5000/debian', '127.0.0.1:5000/debian'],
  ['192.168.0.1', 'docker.io/library/192.168.0.1'],
  ['192.168.0.1:80', 'docker.io/library/192.168.0.1:80'],
  ['192.168.0.1:8/debian', '192.168.0.1:8/debian'],
  ['192.168.0.2:25000/debian', '192.168.0.2:25000/debian'],
  ['thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', 'docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev'],
  ['[fc00::1]:5000/docker', '[fc00::1]:5000/docker'],
  ['[fc00::1]:5000/docker/docker', '[fc00::1]:5000/docker/docker'],
  ['[fc00:1:2:3:4:5:6:7]:5000/library/debian', '[fc00:1:2:3:4:5:6:7]:5000/library/debian'],
  [`docker.io/${HEX}`, `docker.io/library/${HEX}`],
  ['Docker/docker', 'Docker/docker'],
  ['DOCKER/docker', 'DOCKER/docker'],
  ['https://github.com/docker/docker', undefined],
  ['docker/Docker', undefined],
  ['-docker', undefined],
  ['-docker/docker', undefined],
  ['-docker.io/docker/docker', undefined],
  ['docker///docker', undefined],
  ['docker.io/docker/Docker', undefined],
  ['docker.io/docker///docker', undefined],
  ['[fc00::1]', undefined],
  ['[fc00::1]:5000', undefined],
  ['fc00::1:5000/debian', undefined],
  ['[fe80::1%eth0]:5000/debian', undefined],
  ['[2001:db8:3:4::192.0.2.33]:5000/debian', undefined],
  [HEX, undefined],
  // normalize_test.go TestValidateRemoteName
  ['docker-rules/docker', 'docker.io/docker-rules/docker'],
  ['docker---rules/docker', 'docker.io/docker---rules/docker'],
  ['doc/docker', 'docker.io/doc/docker'],
  ['d/docker', 'docker.io/d/docker'],
  ['jess/t', 'docker.io/jess/t'],
  ['dock__er/docker', 'docker.io/dock__er/docker'],
  ['docker-/docker', undefined],
  ['-docker-/docker', undefined],
  ['____/____', undefined],
  ['_docker/_docker', undefined],
  ['dock..er/docker', undefined],
  ['dock_.er/docker', undefined],
  ['dock-.er/docker', undefined],
  ['docker/', undefined],
  [`${'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4)}this_is_the_end/docker`, undefined],
  // normalize_test.go TestParseRepositoryInfo: familiar, full and ambiguous spellings of one name
  ['localhost/fooo', 'localhost/fooo'],
  ['localhost/fooo/bar', 'localhost/fooo/bar'],
  ['LOCALDOMAIN/fooo', 'LOCALDOMAIN/fooo'],
  ['LOCALDOMAIN/fooo/bar', 'LOCALDOMAIN/fooo/bar'],
  ['fooo/bar', 'docker.io/fooo/bar'],
  ['index.docker.io/fooo/bar', 'docker.io/fooo/bar'],
  ['ubuntu', 'docker.io/library/ubuntu'],
  ['library/ubuntu', 'docker.io/library/ubuntu'],
  ['nonlibrary/ubuntu', 'docker.io/nonlibrary/ubuntu'],
  ['other/library', 'docker.io/other/library'],
  ['127.0.0.1:8000/private/moonbase', '127.0.0.1:8000/private/moonbase'],
  ['127.0.0.1:8000/privatebase', '127.0.0.1:8000/privatebase'],
  ['example.com/private/moonbase', 'example.com/private/moonbase'],
  ['example.com/privatebase', 'example.com/privatebase'],
  ['example.com:8000/private/moonbase', 'example.com:8000/private/moonbase'],
  ['example.com:8000/privatebasee', 'example.com:8000/privatebasee'],
  ['ubuntu-12.04-base', 'docker.io/library/ubuntu-12.04-base'],
  ['index.docker.io/library/ubuntu-12.04-base', 'docker.io/library/ubuntu-12.04-base'],
  ['foo', 'docker.io/library/foo'],
  ['docker.io/foo', 'docker.io/library/foo'],
  ['library/foo/bar', 'docker.io/library/foo/bar'],
  ['store/foo/bar', 'docker.io/store/foo/bar'],
  ['Foo/bar', 'Foo/bar'],
  ['FOO/bar', 'FOO/bar'],
  // normalize_test.go TestNormalizedSplitHostname
  ['test.com/foo', 'test.com/foo'],
  ['test_com/foo', 'docker.io/test_com/foo'],
  ['docker/migrator', 'docker.io/docker/migrator'],
  ['test.com:8080/foo', 'test.com:8080/foo'],
  ['test-com:8080/foo', 'test-com:8080/foo'],
  ['xn--n3h.com/foo', 'xn--n3h.com/foo'],
  ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080/foo'],
  ['docker.io/library/foo/bar', 'docker.io/library/foo/bar'],
  // normalize_test.go TestParseDockerRef and TestParseReferenceWithTagAndDigest. ParseDockerRef drops
  // the tag when a digest is given; the exporter keeps it in its label but asks for the digest.
  ['busybox:latest', 'docker.io/library/busybox:latest'],
  ['busybox@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582', 'docker.io/library/busybox@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582'],
  ['docker.io/busybox:latest', 'docker.io/library/busybox:latest'],
  ['gcr.io/library/busybox', 'gcr.io/library/busybox'],
  ['gcr.io/library/busybox:latest@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582', 'gcr.io/library/busybox:latest@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582'],
  ['busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa', 'docker.io/library/busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa'],
  ['-foo', undefined],
  // reference_test.go TestReferenceParse, read through the normalised parse
  ['test_com', 'docker.io/library/test_com'],
  ['test.com:tag', 'docker.io/library/test.com:tag'],
  ['test.com:5000', 'docker.io/library/test.com:5000'],
  ['test.com/repo:tag', 'test.com/repo:tag'],
  ['test:5000/repo', 'test:5000/repo'],
  ['test:5000/repo:tag', 'test:5000/repo:tag'],
  [`test:5000/repo@sha256:${F64}`, `test:5000/repo@sha256:${F64}`],
  [`test:5000/repo:tag@sha256:${F64}`, `test:5000/repo:tag@sha256:${F64}`],
  ['', undefined],
  [':justtag', undefined],
  [`@sha256:${F64}`, undefined],
  [`repo@sha256:${'f'.repeat(34)}`, undefined],
  [`validname@invaliddigest:${F64}`, undefined],
  [`validname@sha512:${'f'.repeat(128)}`, `docker.io/library/validname@sha512:${'f'.repeat(128)}`, 'upstream refuses it only because its test binary does not link crypto/sha512; the kubelet and the runtime do, so they pull it'],
  ['Uppercase:tag', undefined],
  ['test:5000/Uppercase/lowercase:tag', undefined],
  ['lowercase:Uppercase', 'docker.io/library/lowercase:Uppercase'],
  [`domain/${'a'.repeat(256)}:tag`, undefined],
  [`${'a/'.repeat(127)}a:tag-puts-this-over-max`, `docker.io/${'a/'.repeat(127)}a:tag-puts-this-over-max`, 'Parse reads the first "a" as a domain; the normalised parse puts all 255 characters in the Docker Hub path'],
  ['aa/asdf$$^/aa', undefined],
  ['sub-dom1.foo.com/bar/baz/quux', 'sub-dom1.foo.com/bar/baz/quux'],
  ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'sub-dom1.foo.com/bar/baz/quux:some-long-tag'],
  ['b.gcr.io/test.example.com/my-app:test.example.com', 'b.gcr.io/test.example.com/my-app:test.example.com'],
  ['xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com/myimage:xn--n3h.com'],
  [`xn--7o8h.com/myimage:xn--7o8h.com@sha256:${F64}`, `xn--7o8h.com/myimage:xn--7o8h.com@sha256:${F64}`],
  ['foo_bar.com:8080', 'docker.io/library/foo_bar.com:8080'],
  ['foo/foo_bar.com:8080', 'docker.io/foo/foo_bar.com:8080', 'Parse reads "foo" as a domain; normalised, it is a Docker Hub namespace'],
  ['192.168.1.1', 'docker.io/library/192.168.1.1'],
  ['192.168.1.1:tag', 'docker.io/library/192.168.1.1:tag'],
  ['192.168.1.1:5000', 'docker.io/library/192.168.1.1:5000'],
  ['192.168.1.1/repo', '192.168.1.1/repo'],
  ['192.168.1.1:5000/repo', '192.168.1.1:5000/repo'],
  ['192.168.1.1:5000/repo:5050', '192.168.1.1:5000/repo:5050'],
  ['[2001:db8::1]', undefined],
  ['[2001:db8::1]:5000', undefined],
  ['[2001:db8::1]:tag', undefined],
  ['[2001:db8::1]/repo', '[2001:db8::1]/repo'],
  ['[2001:db8:1:2:3:4:5:6]/repo:tag', '[2001:db8:1:2:3:4:5:6]/repo:tag'],
  ['[2001:db8::1]:5000/repo', '[2001:db8::1]:5000/repo'],
  ['[2001:db8::1]:5000/repo:tag', '[2001:db8::1]:5000/repo:tag'],
  [`[2001:db8::1]:5000/repo@sha256:${F64}`, `[2001:db8::1]:5000/repo@sha256:${F64}`],
  [`[2001:db8::1]:5000/repo:tag@sha256:${F64}`, `[2001:db8::1]:5000/repo:tag@sha256:${F64}`],
  ['[2001:db8::]:5000/repo', '[2001:db8::]:5000/repo'],
  ['[::1]:5000/repo', '[::1]:5000/repo'],
  ['[fe80::1%eth0]:5000/repo', undefined],
  ['[fe80::1%@invalidzone]:5000/repo', undefined],
  [`example.com/${'a'.repeat(255)}:tag`, `example.com/${'a'.repeat(255)}:tag`, 'the 255 limit is on the path: host plus path may be longer'],
  // reference_test.go TestWithNameFailure
  [`example.com/${'a'.repeat(256)}`, undefined],
  // ours: the limit counts the "library/" the normalised parse adds.
  [`${'a'.repeat(248)}`, undefined],
  [`${'a'.repeat(247)}`, `docker.io/library/${'a'.repeat(247)}`],
  // ours, deliberately stricter: a port the runtime could never dial is refused here as bad_image_format
  // (distribution's grammar allows any digits), so the reason says what is wrong with the reference.
  ['registry.example.com:99999/app', undefined],
];

describe('distribution/reference tables, read as the runtime reads pod images', () => {
  test.each(rows.map(([input, expected, why]) => [input.length > 80 ? `${input.slice(0, 77)}...` : input, expected ?? 'refused', why ? `(${why})` : '', input, expected]))('%s → %s %s', (_label, _shown, _why, input, expected) => {
    if (expected === undefined) {
      expect(() => parseReference(input)).toThrow();
      return;
    }
    const parsed = parseReference(input);
    const shown = `${parsed.registry}/${parsed.repository}${expectsTag(expected) ? `:${parsed.tag}` : ''}${parsed.digest ? `@${parsed.digest}` : ''}`;
    expect(shown).toBe(expected);
    expect(manifestReference(parsed)).toBe(parsed.digest ?? parsed.tag ?? 'latest');
  });
});

/** Whether the expected form carries a tag (a ":" after the last "/", before any "@"). */
function expectsTag(expected: string): boolean {
  const name = expected.split('@')[0];
  return name.lastIndexOf(':') > name.lastIndexOf('/');
}
