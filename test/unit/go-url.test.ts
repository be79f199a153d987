// Go's path/filepath.Match and net.SplitHostPort, as the kubelet's keyring uses them: rows from Go's
// match_test.go and ipsock tests (ASCII ones: host labels are ASCII), and a hostile pattern.
import { globMatches, parseGoUrl, splitHostPort } from '../../src/registry/credentials/go-url.js';

describe('filepath.Match on one host label', () => {
  test.each([
    ['abc', 'abc', true],
    ['*', 'abc', true],
    ['*c', 'abc', true],
    ['a*', 'a', true],
    ['a*', 'abc', true],
    ['a*b*c*d*e*', 'axbxcxdxe', true],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['ab[c]', 'abc', true],
    ['ab[b-d]', 'abc', true],
    ['ab[e-g]', 'abc', false],
    ['ab[^c]', 'abc', false],
    ['ab[^b-d]', 'abc', false],
    ['ab[^e-g]', 'abc', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'ab', false],
    ['a?b', 'axb', true],
    ['[\\-]', '-', true],
    ['[x\\-]', 'z', false],
    ['[', 'a', false],
    ['[^', 'a', false],
    ['[^bc', 'a', false],
    ['a[', 'a', false],
    ['a\\', 'a', false],
    ['[]a]', ']', false],
    ['[-]', '-', false],
    ['[a-]', '-', false],
    ['*x', 'xxx', true],
  ])('%j matches %j → %s', (pattern, label, expected) => {
    expect(globMatches(pattern, label)).toBe(expected);
  });

  test('a hostile pattern of many stars is answered (a backtracking regular expression would not finish within the test timeout)', () => {
    expect(globMatches(`${'*a'.repeat(200)}b`, 'a'.repeat(2000))).toBe(false);
    expect(globMatches(`${'*a'.repeat(200)}`, 'a'.repeat(2000))).toBe(true);
  });
});

describe('net.SplitHostPort', () => {
  test.each([
    ['localhost:http', { host: 'localhost', port: 'http' }],
    ['localhost:80', { host: 'localhost', port: '80' }],
    ['[::1]:80', { host: '::1', port: '80' }],
    ['host:', { host: 'host', port: '' }],
    ['localhost', undefined],
    ['[::1]', undefined],
    ['::1:80', undefined],
    ['[::1]:80:80', undefined],
    ['[foo:bar]baz:80', undefined],
    ['[fo[o:bar]:80', undefined],
  ])('%s → %j', (input, expected) => {
    expect(splitHostPort(input)).toEqual(expected);
  });
});

describe('url.Parse host and path', () => {
  test.each([
    ['https://r.example/a/b', { host: 'r.example', path: '/a/b' }],
    ['https://user:pw@r.example:5000/a?q#f', { host: 'r.example:5000', path: '/a' }],
    ['https://r.example/a%2Fb', { host: 'r.example', path: '/a/b' }],
    ['https://[::1]:5000/a', { host: '[::1]:5000', path: '/a' }],
    ['https://*.example', { host: '*.example', path: '' }],
    ['https://r example', undefined],
    ['https://r.example:x/', undefined],
    ['https://r.example/%zz', undefined],
    ['https://r.example/\n', undefined],
    ['https://r%41.example', undefined],
  ])('%j → %j', (input, expected) => {
    expect(parseGoUrl(input)).toEqual(expected);
  });
});
