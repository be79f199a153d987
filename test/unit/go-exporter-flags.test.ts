// Argument lists a user of the Go exporter copies (its README's flag list, its chart's args, Go's
// flag syntax): each means here what it meant there, or is refused with one line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadSettings, type Settings } from '../../src/config.js';
import { withDoubleDashes } from '../../src/flag-syntax.js';

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
  const caFile = join(mkdtempSync(join(tmpdir(), 'iae-go-flags-')), 'ca.pem');
  writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');

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

describe('--cloud-credentials: ecr on by default, as in the Go exporter', () => {
  test('default ecr; none or empty switches it off; others are added by name', () => {
    expect(loadSettings([], {}).cloudCredentials).toEqual(['ecr']);
    expect(loadSettings(['--cloud-credentials=none'], {}).cloudCredentials).toEqual([]);
    expect(loadSettings([], { IAE_CLOUD_CREDENTIALS: 'none' }).cloudCredentials).toEqual([]);
    expect(loadSettings(['--cloud-credentials='], {}).cloudCredentials).toEqual([]);
    expect(loadSettings(['--cloud-credentials=ecr,gcp'], {}).cloudCredentials).toEqual(['ecr', 'gcp']);
  });
});
