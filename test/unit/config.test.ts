import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadSettings, schema } from '../../src/config.js';

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
});
