// Argument lists a user of the Go exporter copies (its README's flag list, its chart's args, Go's
// flag syntax): each means here what it meant there, or is refused with one line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadSettings, type Settings } from '../../src/settings/config.js';
import { withDoubleDashes } from '../../src/settings/flag-syntax.js';
import { createTestCa } from '../support/test-ca.js';

function refusal(args: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    loadSettings(args, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(args)} was accepted`);
}

describe("Go's flag syntax", () => {
  const dir = mkdtempSync(join(tmpdir(), 'iae-go-flags-'));
  // createTestCa writes ca.pem here.
  const caFile = join(dir, 'ca.pem');
  beforeAll(() => createTestCa(dir));

  test.each<[string[], Partial<Settings>]>([
    [['-check-interval=1m'], { checkInterval: 60_000 }],
    [['-check-interval', '1m'], { checkInterval: 60_000 }],
    [['--check-interval=1m'], { checkInterval: 60_000 }],
    [['-bind-address=:8080'], { bindAddress: ':8080' }],
    [['--bind-address=:8080'], { bindAddress: ':8080' }],
    [['-default-registry', 'index.docker.io'], { defaultRegistry: 'index.docker.io' }],
    [['-namespace-label', 'image-checks'], { namespaceLabel: 'image-checks' }],
    [['-image-mirror', 'docker.io=mirror.example.com/dockerhub', '-image-mirror=quay.io=mirror.example.com/quay'], { imageMirrors: ['docker.io=mirror.example.com/dockerhub', 'quay.io=mirror.example.com/quay'] }],
    [['-force-check-disabled-controllers=Deployment,StatefulSet,Cronjob'], { forceCheckDisabledControllers: ['deployment', 'statefulset', 'cronjob'] }],
    [['-force-check-disabled-controllers', '*'], { forceCheckDisabledControllers: ['*'] }],
    [['-capath', caFile], { caFiles: [caFile] }],
  ])('%j → the same setting as the double-dash flag', (args, expected) => {
    expect(loadSettings(args, {})).toMatchObject(expected);
  });

  test('the boolean switches: bare or true = every registry, false = none, a list = those hosts', () => {
    expect(loadSettings(['-skip-registry-cert-verification'], {}).insecureSkipVerifyRegistries).toEqual(['*']);
    expect(loadSettings(['-allow-plain-http'], {}).plainHttpRegistries).toEqual(['*']);
    expect(loadSettings(['--allow-plain-http', '--check-interval=1m'], {})).toMatchObject({ plainHttpRegistries: ['*'], checkInterval: 60_000 });
    expect(loadSettings(['-allow-plain-http', '-skip-registry-cert-verification', '-check-interval', '1m'], {})).toMatchObject({
      plainHttpRegistries: ['*'],
      insecureSkipVerifyRegistries: ['*'],
      checkInterval: 60_000,
    });
    expect(loadSettings(['-allow-plain-http=true'], {}).plainHttpRegistries).toEqual(['*']);
    expect(loadSettings(['-allow-plain-http=false'], {}).plainHttpRegistries).toEqual([]);
    expect(loadSettings(['-skip-registry-cert-verification=0'], {}).insecureSkipVerifyRegistries).toEqual([]);
    expect(loadSettings([], { IAE_ALLOW_PLAIN_HTTP: 'true' }).plainHttpRegistries).toEqual(['*']);
    expect(loadSettings(['--allow-plain-http=registry.lab:5000,[::1]:5000'], {}).plainHttpRegistries).toEqual(['registry.lab:5000', '[::1]:5000']);
    expect(loadSettings(['--skip-registry-cert-verification', 'registry.lab'], {}).insecureSkipVerifyRegistries).toEqual(['registry.lab']);
  });

  test('a host list that is no host list is refused with one line', () => {
    expect(refusal(['--allow-plain-http=http://registry.lab'])).toMatch(/^plainHttpRegistries: must be true \(every registry\), false, or a comma-separated list of registry hosts/);
  });

  test('a single-dash word that is no flag is refused with one line naming the double-dash form', () => {
    const message = refusal(['-check-intervall=1m']);
    expect(message).toBe('unknown flag -check-intervall: there is no --check-intervall either (one dash is read as two); see --help for the flags');
    // The Go exporter v0.2 and v0.3 had -namespace; nothing here means the same.
    expect(refusal(['-namespace=shop'])).toContain('there is no --namespace either');
    expect(refusal(['-logtostderr'])).toContain('--logtostderr');
  });

  test('one-letter flags and everything after -- are left alone', () => {
    expect(withDoubleDashes(['-f', '-', '-h', '--', '-check-interval=1m'], () => true)).toEqual(['-f', '-', '-h', '--', '-check-interval=1m']);
    expect(withDoubleDashes(['-check-interval', '1m'], () => true)).toEqual(['--check-interval', '1m']);
  });
});

describe('every argument is read or refused, never dropped', () => {
  test.each<[string[], string]>([
    [['chek', '-f', 'x.yaml'], 'unexpected argument "chek": the exporter takes flags only (--name=value), see --help; the one command is check, as the first argument (check -f manifests.yaml)'],
    [['--allow-plain-http', 'a', 'b'], 'unexpected argument "b": --allow-plain-http took "a" as its value; several values are written with commas (--allow-plain-http=a,b)'],
    [['--check-interval=1m', 'extra'], 'unexpected argument "extra": the exporter takes flags only (--name=value), see --help'],
    [['-v=2'], 'unknown flag -v: the only one-letter flag is -h (help); see --help for the flags; more log detail is --log-level=debug'],
    [['-q'], 'unknown flag -q: the only one-letter flag is -h (help); see --help for the flags'],
    [['-ignored-images'], 'flag --ignored-images needs a value and nothing follows it: write --ignored-images=VALUE (--ignored-images= for an empty one)'],
    [['--ignored-images', '--check-interval=1m'], 'flag --ignored-images needs a value and the next argument "--check-interval=1m" is read as a flag: write --ignored-images=VALUE (--ignored-images= for an empty one)'],
    [['--config'], 'flag --config needs a value and nothing follows it: write --config=VALUE (--config= for an empty one)'],
    [['--check-interval=1m', '--', '--shard=1'], 'unexpected argument "--shard=1" after --: the exporter takes flags only; see --help'],
    [['--no-such-flag'], 'unknown flag --no-such-flag; see --help for the flags'],
  ])('%j → refused: %s', (args, message) => {
    expect(refusal(args)).toBe(message);
  });

  test('a hostile stray word is quoted back shortened', () => {
    expect(refusal([`${'x'.repeat(5000)}`]).length).toBeLessThan(300);
  });

  test('what is understood stays accepted: switches alone or with a word, values after = or as the next word, an empty value', () => {
    expect(loadSettings(['--record-events', '--check-jobs', 'false', '--ignored-images=', '--log-level', 'warn'], {})).toMatchObject({
      recordEvents: true,
      checkJobs: false,
      ignoredImages: [],
      logLevel: 'warn',
    });
  });
});

describe('--capath: a file of CA certificates, checked at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iae-capath-'));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  test('a file without a certificate is refused, naming the setting, the file and the flag', () => {
    const file = write('empty.pem', 'not a certificate\n');
    expect(refusal(['--capath', file])).toBe(`caFiles: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----); give the CA certificate in PEM form (openssl x509 -in ca.der -inform der -out ca.pem converts DER) (from flag --capath)`);
  });

  test('a certificate block that is no certificate is refused', () => {
    const file = write('broken.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    expect(refusal([], { IAE_CAPATH: file })).toMatch(new RegExp(`^caFiles: ${file}: certificate 1 of 1 cannot be read \\(.*\\); fix or remove it \\(from environment variable IAE_CAPATH\\)$`));
  });

  test('a missing file is refused naming the setting and the flag, not as a bare ENOENT', () => {
    expect(refusal(['-capath=/nonexistent/ca.pem'])).toBe('caFiles: cannot read /nonexistent/ca.pem: no such file; give a readable PEM file of CA certificates (from flag --capath)');
  });
});

describe('--cloud-credentials: ecr on by default, as in the Go exporter', () => {
  test('default ecr; none or empty switches it off; others are added by name', () => {
    expect(loadSettings([], {}).cloudCredentials).toEqual(['ecr']);
    expect(loadSettings(['--cloud-credentials=none'], {}).cloudCredentials).toEqual([]);
    expect(loadSettings([], { IAE_CLOUD_CREDENTIALS: 'none' }).cloudCredentials).toEqual([]);
    expect(loadSettings(['--cloud-credentials='], {}).cloudCredentials).toEqual([]);
    expect(loadSettings(['--cloud-credentials=ecr,gcp'], {}).cloudCredentials).toEqual(['ecr', 'gcp']);
  });
});
