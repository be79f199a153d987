import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadSettings, schema } from '../../src/settings/config.js';

describe('settings: flags, environment and config file through one schema', () => {
  test('defaults match the Go exporter', () => {
    const settings = loadSettings([], {});
    expect(settings.bindAddress).toBe(':8080');
    expect(settings.checkInterval).toBe(5 * 60_000);
    expect(settings.ignoredImages).toEqual([]);
  });

  test('Go-style flags', () => {
    const settings = loadSettings(['--bind-address=127.0.0.1:9100', '--check-interval', '1h30m', '--ignored-images=nginx,quay.io/*'], {});
    expect(settings.bindAddress).toBe('127.0.0.1:9100');
    expect(settings.checkInterval).toBe(90 * 60_000);
    expect(settings.ignoredImages).toEqual(['nginx', 'quay.io/*']);
  });

  test('environment variables', () => {
    const settings = loadSettings([], { IAE_CHECK_INTERVAL: '30s', IAE_IGNORED_IMAGES: ' a , b ,', IAE_REGISTRY_CONCURRENCY: '3' });
    expect(settings.checkInterval).toBe(30_000);
    expect(settings.ignoredImages).toEqual(['a', 'b']);
    expect(settings.registryConcurrency).toBe(3);
  });

  test('config file (YAML and JSON), below env and flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iae-config-'));
    const yamlFile = join(dir, 'settings.yaml');
    writeFileSync(yamlFile, 'checkInterval: 2m\nignoredImages: [x, y]\nlogLevel: debug\n');
    const fromFile = loadSettings(['--config', yamlFile], {});
    expect(fromFile.checkInterval).toBe(120_000);
    expect(fromFile.ignoredImages).toEqual(['x', 'y']);
    expect(fromFile.logLevel).toBe('debug');
    const jsonFile = join(dir, 'settings.json');
    writeFileSync(jsonFile, JSON.stringify({ checkInterval: '2m', logLevel: 'warn' }));
    const overridden = loadSettings([`--config=${jsonFile}`, '--check-interval=10s'], { IAE_LOG_LEVEL: 'error' });
    expect(overridden.checkInterval).toBe(10_000);
    expect(overridden.logLevel).toBe('error');
    expect(loadSettings([], { IAE_CONFIG_FILE: jsonFile }).logLevel).toBe('warn');
  });

  test.each([
    [['--check-interval=5 minutes'], {}, /^checkInterval: must be a Go duration/],
    [[], { IAE_CHECK_INTERVAL: '-5m' }, /^checkInterval: /],
    [['--bind-address=8080'], {}, /^bindAddress: must be host:port/],
    [['--bind-address=:70000'], {}, /^bindAddress: port must be at most 65535/],
    [['--registry-concurrency=many'], {}, /^registryConcurrency: /],
    [['--log-level=verbose'], {}, /^logLevel: /],
    [['--force-check-disabled-controllers=pods'], {}, /^forceCheckDisabledControllers: must be/],
    [['--no-such-flag=1'], {}, /unknown flag --no-such-flag/],
  ])('bad value %j %j → one line naming the setting', (args, env, message) => {
    let caught: unknown;
    try {
      loadSettings(args as string[], env as NodeJS.ProcessEnv);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain('\n');
  });

  test.each([
    [['--registry-concurrency=0'], {}, 'registryConcurrency: must be at least 1, a lower value would stop or flood the checks (got "0" from flag --registry-concurrency)'],
    [['--max-concurrent-checks', '0'], {}, 'maxConcurrentChecks: must be at least 1, a lower value would stop or flood the checks (got "0" from flag --max-concurrent-checks)'],
    [[], { IAE_MAX_TRACKED_IMAGES: '0' }, 'maxTrackedImages: must be at least 1, a lower value would stop or flood the checks (got "0" from environment variable IAE_MAX_TRACKED_IMAGES)'],
    [['--check-interval=0'], {}, 'checkInterval: must be at least 1s, a lower value would stop or flood the checks (got "0" from flag --check-interval)'],
    [['--check-interval=500ms'], {}, 'checkInterval: must be at least 1s, a lower value would stop or flood the checks (got "500ms" from flag --check-interval)'],
    [[], { IAE_REGISTRY_REQUEST_TIMEOUT: '0' }, 'registryRequestTimeout: must be at least 1s, a lower value would stop or flood the checks (got "0" from environment variable IAE_REGISTRY_REQUEST_TIMEOUT)'],
    [['--retry-initial-delay=10ms'], {}, 'retryInitialDelay: must be at least 100ms, a lower value would stop or flood the checks (got "10ms" from flag --retry-initial-delay)'],
    [['--image-credential-provider-timeout=0'], {}, 'imageCredentialProviderTimeout: must be at least 1s, a lower value would stop or flood the checks (got "0" from flag --image-credential-provider-timeout)'],
  ])('value below the minimum %j %j → refused with one line', (args, env, message) => {
    expect(() => loadSettings(args as string[], env as NodeJS.ProcessEnv)).toThrow(new ConfigError(message as string));
  });

  test('every count and duration setting has a minimum (shard: every value below totalShards is one, 0 included)', () => {
    const numeric = Object.entries(schema).filter(([, entry]) => ['nat', 'int', 'go-duration'].includes(entry.format as string));
    expect(numeric.length).toBeGreaterThan(5);
    const without = numeric.filter(([key, entry]) => !('minimum' in entry) && key !== 'shard').map(([key]) => key);
    expect(without).toEqual([]);
  });

  test('the minimums themselves are accepted', () => {
    const settings = loadSettings(['--registry-concurrency=1', '--max-concurrent-checks=1', '--max-tracked-images=1', '--check-interval=1s', '--registry-request-timeout=1s', '--retry-initial-delay=100ms'], {});
    expect(settings).toMatchObject({ registryConcurrency: 1, maxConcurrentChecks: 1, maxTrackedImages: 1, checkInterval: 1000, registryRequestTimeout: 1000, retryInitialDelay: 100 });
  });

  test('an invalid environment variable is named with the value it held', () => {
    expect(() => loadSettings([], { IAE_CHECK_INTERVAL: '5' })).toThrow(
      new ConfigError('checkInterval: must be a Go duration such as 30s, 5m or 1h30m (got "5" from environment variable IAE_CHECK_INTERVAL)'),
    );
  });

  test('a bad flag is named as the flag even when the variable is set too', () => {
    expect(() => loadSettings(['--check-interval=soon'], { IAE_CHECK_INTERVAL: '5m' })).toThrow(/\(got "soon" from flag --check-interval\)$/);
  });

  test('a bad config file value is named by file and key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iae-config-'));
    const file = join(dir, 'settings.yaml');
    writeFileSync(file, 'checkInterval: 5\nregistryConcurrency: many\n');
    expect(() => loadSettings(['--config', file], {})).toThrow(
      new ConfigError(`registryConcurrency: must be a positive integer (got "many" from config file ${file} key registryConcurrency)`),
    );
    writeFileSync(file, 'checkInterval: 5\n');
    expect(() => loadSettings(['--config', file], {})).toThrow(new ConfigError(`checkInterval: must be at least 1s, a lower value would stop or flood the checks (got "5" from config file ${file} key checkInterval)`));
  });

  test('a huge bad value is shortened in the error', () => {
    let message = '';
    try {
      loadSettings([], { IAE_CHECK_INTERVAL: 'x'.repeat(100_000) });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^checkInterval: must be a Go duration/);
    expect(message.length).toBeLessThan(300);
  });

  test('an unknown key in the config file is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iae-config-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ checkIntervall: '1m' }));
    expect(() => loadSettings(['--config', file], {})).toThrow(/checkIntervall/);
  });

  test('a missing or broken config file is a clear error', () => {
    expect(() => loadSettings(['--config', '/nonexistent/settings.yaml'], {})).toThrow(/config file \/nonexistent\/settings.yaml: ENOENT/);
    const dir = mkdtempSync(join(tmpdir(), 'iae-config-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ nope');
    expect(() => loadSettings(['--config', file], {})).toThrow(/config file .*broken.json/);
  });

  test('force-check-disabled-controllers is case-insensitive', () => {
    expect(loadSettings(['--force-check-disabled-controllers=Deployment,CronJob'], {}).forceCheckDisabledControllers).toEqual(['deployment', 'cronjob']);
  });

  test('every setting has a flag and an IAE_ env var', () => {
    for (const [key, entry] of Object.entries(schema)) {
      expect(entry.arg).toMatch(/^[a-z-]+$/);
      expect(entry.env).toMatch(/^IAE_[A-Z_]+$/);
      expect(entry.doc.length).toBeGreaterThan(10);
      expect(key).toMatch(/^[a-z][A-Za-z]+$/);
    }
  });
});

describe('registry settings', () => {
  test('--image-mirror may be repeated; a bad one names the setting', () => {
    const settings = loadSettings(['--image-mirror', 'docker.io=m.internal/hub', '--image-mirror=quay.io=m.internal/quay'], {});
    expect(settings.imageMirrors).toEqual(['docker.io=m.internal/hub', 'quay.io=m.internal/quay']);
    expect(() => loadSettings(['--image-mirror=nonsense'], {})).toThrow(/^imageMirrors: image mirror "nonsense" is not original=mirror/);
    expect(loadSettings([], { IAE_IMAGE_MIRRORS: 'a.io=b.io,c.io=d.io' }).imageMirrors).toEqual(['a.io=b.io', 'c.io=d.io']);
  });

  test('--default-registry must be a host', () => {
    expect(loadSettings(['--default-registry=registry.internal:5000'], {}).defaultRegistry).toBe('registry.internal:5000');
    expect(() => loadSettings(['--default-registry=https://x/y'], {})).toThrow(/^defaultRegistry: /);
  });
});

describe('shard settings', () => {
  test('shard must be below total-shards', () => {
    expect(loadSettings(['--shard=1', '--total-shards=2'], {})).toMatchObject({ shard: 1, totalShards: 2 });
    expect(() => loadSettings(['--shard=2', '--total-shards=2'], {})).toThrow(/^shard: must be less than totalShards \(2\)/);
    expect(() => loadSettings(['--total-shards=0'], {})).toThrow(/^totalShards: /);
  });

  test('auto-shard with a StatefulSet pod name and namespace from the environment → accepted', () => {
    const env = { IAE_AUTO_SHARD: 'true', IAE_POD_NAME: 'iae-exporter-12', IAE_POD_NAMESPACE: 'monitoring' };
    expect(loadSettings([], env)).toMatchObject({ autoShard: true, podName: 'iae-exporter-12', podNamespace: 'monitoring' });
  });

  test('auto-shard without a pod name, or with one that is no StatefulSet pod → refused, naming the downward API field', () => {
    expect(() => loadSettings(['--auto-shard', '--pod-namespace=m'], {})).toThrow(/^podName: .*got nothing: set IAE_POD_NAME from the downward API \(fieldRef metadata.name\)/);
    expect(() => loadSettings(['--auto-shard', '--pod-namespace=m', '--pod-name=exporter-7d9f8-abcde'], {})).toThrow(/^podName: .*<statefulset>-<ordinal>.*got "exporter-7d9f8-abcde"/);
    expect(() => loadSettings(['--auto-shard', '--pod-namespace=m', `--pod-name=${'a'.repeat(5000)}-1`], {})).toThrow(/^podName: .{0,400}$/s);
  });

  test('auto-shard without a namespace, or with a static shard → refused with what to change', () => {
    expect(() => loadSettings(['--auto-shard', '--pod-name=e-0'], {})).toThrow(/^podNamespace: .*IAE_POD_NAMESPACE/);
    expect(() => loadSettings(['--auto-shard', '--pod-name=e-0', '--pod-namespace=m', '--total-shards=3'], {})).toThrow(/^autoShard: .*shard and totalShards must stay unset/);
  });
});

describe('switches', () => {
  test.each([
    [['--record-events'], {}, true],
    [['--record-events=false'], {}, false],
    [['--record-events=0'], {}, false],
    [['--record-events=t'], {}, true],
    [[], { IAE_RECORD_EVENTS: 'TRUE' }, true],
    [[], { IAE_RECORD_EVENTS: 'False' }, false],
  ])('%j %j → recordEvents %s', (args, env, expected) => {
    expect(loadSettings(args as string[], env as NodeJS.ProcessEnv).recordEvents).toBe(expected);
  });

  test('a word that is neither true nor false is refused, naming where it came from (convict alone reads it as true)', () => {
    expect(() => loadSettings(['--record-events=flase'], {})).toThrow(
      new ConfigError('recordEvents: must be true or false (1, t, 0 and f also work) (got "flase" from flag --record-events)'),
    );
    expect(() => loadSettings([], { IAE_DOCKER_CONFIG_CREDENTIALS: 'no' })).toThrow(/^dockerConfigCredentials: must be true or false .*environment variable IAE_DOCKER_CONFIG_CREDENTIALS/);
  });

  test('every on/off setting is a switch', () => {
    const booleans = Object.entries(schema as Record<string, { default?: unknown; format?: unknown }>).filter(([, property]) => typeof property.default === 'boolean');
    expect(booleans.length).toBeGreaterThan(3);
    for (const [name, property] of booleans) expect([name, property.format]).toEqual([name, 'switch']);
  });
});
