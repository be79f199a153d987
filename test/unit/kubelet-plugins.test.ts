// Kubelet credential provider plugins as the kubelet runs them: the rules of
// pkg/credentialprovider/plugin (config validation, response decoding, cache keys and durations,
// matchImages), with the inputs and expected outputs of its test tables as data.
import { mkdtempSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError, loadSettings } from '../../src/settings/config.js';
import { loadPluginConfig, parsePluginConfig, PluginConfigError, type PluginProviderConfig } from '../../src/registry/credentials/kubelet/plugin-config.js';
import { parseResponse, PluginError, type PluginResponse } from '../../src/registry/credentials/kubelet/plugin-exec.js';
import { PluginProvider } from '../../src/registry/credentials/kubelet/plugin-provider.js';

const provider = (overrides: Record<string, unknown> = {}) => ({
  name: 'test-plugin',
  matchImages: ['*.registry.io'],
  defaultCacheDuration: '10m',
  apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
  ...overrides,
});
const config = (providers: unknown[], top: Record<string, unknown> = {}) => ({ apiVersion: 'kubelet.config.k8s.io/v1', kind: 'CredentialProviderConfig', providers, ...top });

describe('CredentialProviderConfig validated as the kubelet does', () => {
  test.each([
    ['a v1 config', config([provider()])],
    ['a v1beta1 config with a v1beta1 plugin', config([provider({ apiVersion: 'credentialprovider.kubelet.k8s.io/v1beta1' })], { apiVersion: 'kubelet.config.k8s.io/v1beta1' })],
    ['a v1alpha1 config with a v1alpha1 plugin', config([provider({ apiVersion: 'credentialprovider.kubelet.k8s.io/v1alpha1' })], { apiVersion: 'kubelet.config.k8s.io/v1alpha1' })],
    ['defaultCacheDuration 0s', config([provider({ defaultCacheDuration: '0s' })])],
    ['args and env', config([provider({ args: ['get-credentials', '-v=5'], env: [{ name: 'AWS_PROFILE', value: 'node' }] })])],
    ['EKS-style patterns', config([provider({ matchImages: ['*.dkr.ecr.*.amazonaws.com', '*.dkr.ecr.*.amazonaws.com.cn', 'registry.io:8080/path'] })])],
    ['two providers', config([provider(), provider({ name: 'other' })])],
  ])('accepted: %s', (_what, document) => {
    expect(parsePluginConfig(document, 'config.yaml', '/bin-dir').length).toBeGreaterThan(0);
  });

  test.each([
    ['no providers', config([]), 'providers: at least 1 item is required'],
    ['wrong kind', { ...config([provider()]), kind: 'KubeletConfiguration' }, 'kind is "KubeletConfiguration"'],
    ['unknown config apiVersion', config([provider()], { apiVersion: 'kubelet.config.k8s.io/v2' }), 'apiVersion "kubelet.config.k8s.io/v2" is not one of'],
    ['name with a slash', config([provider({ name: 'foo/bar' })]), "cannot contain '/'"],
    ['name with a space', config([provider({ name: 'foo bar' })]), "cannot contain '/' or spaces"],
    ['name "."', config([provider({ name: '.' })]), "nor be '.' or '..'"],
    ['name ".."', config([provider({ name: '..' })]), "nor be '.' or '..'"],
    ['duplicate names', config([provider(), provider()]), '"test-plugin" is duplicated'],
    ['no apiVersion', config([provider({ apiVersion: undefined })]), 'providers[0].apiVersion undefined is not one of'],
    ['unknown plugin apiVersion', config([provider({ apiVersion: 'credentialprovider.kubelet.k8s.io/v2' })]), 'is not one of'],
    ['no matchImages', config([provider({ matchImages: [] })]), 'matchImages: at least 1 item is required'],
    ['an unparseable matchImages entry', config([provider({ matchImages: ['foobar.registry.io', 'foo bar'] })]), '"foo bar" is not a valid image pattern'],
    ['no defaultCacheDuration', config([provider({ defaultCacheDuration: undefined })]), 'defaultCacheDuration is required'],
    ['a negative defaultCacheDuration', config([provider({ defaultCacheDuration: '-1m' })]), 'defaultCacheDuration "-1m" is not a duration'],
    ['an unknown field (strict decoding)', config([provider({ matchImage: ['x'] })]), 'unknown field "providers[0].matchImage"'],
    ['env without value', config([provider({ env: [{ name: 'A' }] })]), 'env must be a list of {name, value} strings'],
  ])('refused: %s', (_what, document, message) => {
    expect(() => parsePluginConfig(document, 'config.yaml', '/bin-dir')).toThrow(PluginConfigError);
    expect(() => parsePluginConfig(document, 'config.yaml', '/bin-dir')).toThrow(message);
  });

  test('a directory of configs is read in name order and merged; a name used twice across files is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iae-plugin-config-'));
    const binDir = join(dir, 'bin');
    mkdirSync(binDir);
    for (const name of ['a-plugin', 'b-plugin']) {
      writeFileSync(join(binDir, name), '#!/bin/sh\n');
      chmodSync(join(binDir, name), 0o755);
    }
    const configDir = join(dir, 'conf.d');
    mkdirSync(configDir);
    writeFileSync(join(configDir, '20-b.yaml'), stringify(config([provider({ name: 'b-plugin' })])));
    writeFileSync(join(configDir, '10-a.json'), JSON.stringify(config([provider({ name: 'a-plugin' })])));
    writeFileSync(join(configDir, 'README.txt'), 'not a config');
    expect(loadPluginConfig(configDir, binDir).map((entry) => entry.name)).toEqual(['a-plugin', 'b-plugin']);

    writeFileSync(join(configDir, '30-again.yaml'), stringify(config([provider({ name: 'a-plugin' })])));
    expect(() => loadPluginConfig(configDir, binDir)).toThrow('duplicate provider name "a-plugin"');
  });

  test('the exporter refuses to start with a config the kubelet would refuse: one line naming the setting, file and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iae-plugin-config-'));
    writeFileSync(join(dir, 'config.yaml'), stringify(config([provider({ matchImages: [] })])));
    expect(() => loadSettings([`--image-credential-provider-config=${join(dir, 'config.yaml')}`, `--image-credential-provider-bin-dir=${dir}`], {})).toThrow(
      new ConfigError(`imageCredentialProviderConfig: ${join(dir, 'config.yaml')}: providers[0].matchImages: at least 1 item is required`),
    );
    expect(() => loadSettings([`--image-credential-provider-config=${join(dir, 'config.yaml')}`], {})).toThrow('imageCredentialProviderBinDir must be set with imageCredentialProviderConfig');
  });

  test('a provider whose executable is missing from the bin dir stops the start, naming the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iae-plugin-config-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config([provider({ name: 'ecr-credential-provider' })])));
    expect(() => loadPluginConfig(join(dir, 'config.json'), dir)).toThrow(`plugin binary executable ${join(dir, 'ecr-credential-provider')} of provider "ecr-credential-provider" does not exist`);
    expect(() => loadPluginConfig(join(dir, 'config.json'), join(dir, 'missing'))).toThrow(`plugin binary directory ${join(dir, 'missing')} does not exist`);
  });
});

describe('CredentialProviderResponse decoded as the kubelet does', () => {
  const asked = { name: 'test-plugin', apiVersion: 'credentialprovider.kubelet.k8s.io/v1' };
  test.each(['v1', 'v1beta1', 'v1alpha1'])('success with %s', (version) => {
    const data = `{"kind":"CredentialProviderResponse","apiVersion":"credentialprovider.kubelet.k8s.io/${version}","cacheKeyType":"Registry","cacheDuration":"1m","auth":{"*.registry.io":{"username":"user","password":"password"}}}`;
    expect(parseResponse(data, { ...asked, apiVersion: `credentialprovider.kubelet.k8s.io/${version}` })).toEqual({
      cacheKeyType: 'Registry',
      cacheDurationMs: 60_000,
      auth: [{ key: '*.registry.io', username: 'user', password: 'password' }],
    });
  });

  test.each([
    ['wrong Kind', '{"kind":"WrongKind","apiVersion":"credentialprovider.kubelet.k8s.io/v1","cacheKeyType":"Registry","auth":{}}', 'kind "WrongKind"'],
    ['wrong Group', '{"kind":"CredentialProviderResponse","apiVersion":"foobar.kubelet.k8s.io/v1","cacheKeyType":"Registry","auth":{}}', 'apiVersion "foobar.kubelet.k8s.io/v1", not the credentialprovider.kubelet.k8s.io/v1 it was asked in'],
    ['another version than asked', '{"kind":"CredentialProviderResponse","apiVersion":"credentialprovider.kubelet.k8s.io/v1beta1","cacheKeyType":"Registry"}', 'apiVersion "credentialprovider.kubelet.k8s.io/v1beta1", not the credentialprovider.kubelet.k8s.io/v1 it was asked in'],
    ['no cacheKeyType', '{"kind":"CredentialProviderResponse","apiVersion":"credentialprovider.kubelet.k8s.io/v1","auth":{}}', 'cacheKeyType nothing, not Image, Registry or Global'],
    ['an unknown cacheKeyType', '{"kind":"CredentialProviderResponse","apiVersion":"credentialprovider.kubelet.k8s.io/v1","cacheKeyType":"Pod"}', 'cacheKeyType "Pod"'],
    ['a bad cacheDuration', '{"kind":"CredentialProviderResponse","apiVersion":"credentialprovider.kubelet.k8s.io/v1","cacheKeyType":"Image","cacheDuration":"soon"}', 'cacheDuration "soon"'],
    ['an unknown field', '{"kind":"CredentialProviderResponse","apiVersion":"credentialprovider.kubelet.k8s.io/v1","cacheKeyType":"Image","token":"abc"}', 'with an unknown field "token"'],
    ['HTML', '<html>502 Bad Gateway</html>', 'with something that is not JSON on stdout'],
    ['nothing', '', 'nothing on stdout'],
  ])('refused, naming the plugin: %s', (_what, data, message) => {
    expect(() => parseResponse(data, asked)).toThrow(PluginError);
    expect(() => parseResponse(data, asked)).toThrow(`credential provider plugin test-plugin answered ${message}`);
  });

  test('a refusal never quotes a password the answer holds', () => {
    const data = '{"kind":"CredentialProviderResponse","apiVersion":"credentialprovider.kubelet.k8s.io/v1","cacheKeyType":"Nope","auth":{"r.io":{"username":"u","password":"hunter2-secret"}}}';
    expect(() => parseResponse(data, asked)).toThrow(/^(?!.*hunter2).*$/);
  });
});

/** A plugin provider whose runs are counted and answered by `answer`, on a clock the test moves. */
function counted(matchImages: string[], answer: (image: string) => PluginResponse | Error, defaultCacheDurationMs = 0) {
  const clock = { now: 1_000_000 };
  const runs: string[] = [];
  const config: PluginProviderConfig = {
    name: 'test-plugin',
    matchImages,
    defaultCacheDurationMs,
    apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
    args: [],
    env: [],
    executable: '/nonexistent',
    usesServiceAccountToken: false,
  };
  const warnings: string[] = [];
  const plugin = new PluginProvider(
    config,
    { warn: (detail) => warnings.push(JSON.stringify(detail)), info: () => undefined },
    async (_config, image) => {
      runs.push(image);
      const result = answer(image);
      if (result instanceof Error) throw result;
      return result;
    },
    () => clock.now,
  );
  const users = async (image: string) => (await plugin.entries(image)).map((entry) => `${entry.key}=${entry.credential.username}`);
  return { plugin, runs, clock, users, warnings };
}

const respond = (cacheKeyType: PluginResponse['cacheKeyType'], key: string, cacheDurationMs?: number): PluginResponse => ({ cacheKeyType, cacheDurationMs, auth: [{ key, username: 'user', password: 'password' }] });

describe('plugin answers cached as the kubelet caches them', () => {
  test.each([
    // [cacheKeyType, images asked in turn, runs expected]: the cache key is the image, its registry or global.
    ['Image', ['test.registry.io/foo/bar', 'test.registry.io/foo/bar', 'test.registry.io/other', 'foo.registry.io/x'], 3],
    ['Registry', ['test.registry.io/foo/bar', 'test.registry.io/foo/bar', 'test.registry.io/other', 'foo.registry.io/x'], 2],
    ['Global', ['test.registry.io/foo/bar', 'test.registry.io/foo/bar', 'test.registry.io/other', 'foo.registry.io/x'], 1],
  ] as const)('cacheKeyType %s: %j → %i runs', async (type, images, expected) => {
    const { runs, users } = counted(['*.registry.io'], () => respond(type, '*.registry.io', 60_000));
    for (const image of images) expect(await users(image)).toEqual(['*.registry.io=user']);
    expect(runs.length).toBe(expected);
  });

  test('an answer is used until its cacheDuration ends, then the plugin runs again', async () => {
    const { runs, users, clock } = counted(['*.registry.io'], () => respond('Registry', '*.registry.io', 60_000));
    await users('test.registry.io/foo');
    clock.now += 60_000;
    await users('test.registry.io/foo');
    expect(runs.length).toBe(1);
    clock.now += 1;
    await users('test.registry.io/foo');
    expect(runs.length).toBe(2);
  });

  test('without cacheDuration the provider\'s defaultCacheDuration applies; with 0 the answer is not cached', async () => {
    const byDefault = counted(['*.registry.io'], () => respond('Registry', '*.registry.io'), 5 * 60_000);
    await byDefault.users('test.registry.io/foo');
    byDefault.clock.now += 4 * 60_000;
    await byDefault.users('test.registry.io/foo');
    expect(byDefault.runs.length).toBe(1);

    const explicitZero = counted(['*.registry.io'], () => respond('Global', '*.registry.io', 0), 5 * 60_000);
    await explicitZero.users('test.registry.io/foo');
    await explicitZero.users('test.registry.io/foo');
    expect(explicitZero.runs.length).toBe(2);

    const defaultZero = counted(['*.registry.io'], () => respond('Global', '*.registry.io'), 0);
    await defaultZero.users('test.registry.io/foo');
    await defaultZero.users('test.registry.io/foo');
    expect(defaultZero.runs.length).toBe(2);
  });

  test('a cached answer is looked up by image, then registry, then global key', async () => {
    let type: PluginResponse['cacheKeyType'] = 'Global';
    let user = 'global-user';
    const { plugin, runs } = counted(['*.registry.io'], () => ({ cacheKeyType: type, cacheDurationMs: 60_000, auth: [{ key: '*.registry.io', username: user, password: 'p' }] }));
    await plugin.entries('a.registry.io/app');
    type = 'Image';
    user = 'image-user';
    // Cached globally: the plugin is not asked again, even for another image.
    expect((await plugin.entries('b.registry.io/app')).map((e) => e.credential.username)).toEqual(['global-user']);
    expect(runs).toEqual(['a.registry.io/app']);
  });

  test('concurrent checks of one image share one run', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { plugin, runs } = counted(['*.registry.io'], () => respond('Image', '*.registry.io', 0));
    const original = (plugin as unknown as { run: (c: unknown, i: string) => Promise<PluginResponse> }).run;
    (plugin as unknown as { run: unknown }).run = async (c: unknown, i: string) => {
      await gate;
      return original(c, i);
    };
    const all = Promise.all(Array.from({ length: 5 }, () => plugin.entries('test.registry.io/foo')));
    release();
    expect((await all).every((entries) => entries.length === 1)).toBe(true);
    expect(runs.length).toBe(1);
  });

  test('at most four runs of one plugin at once, however many images are checked together', async () => {
    let active = 0;
    let peak = 0;
    const { plugin, runs } = counted(['*.registry.io'], () => respond('Image', '*.registry.io', 60_000));
    const original = (plugin as unknown as { run: (c: unknown, i: string) => Promise<PluginResponse> }).run;
    (plugin as unknown as { run: unknown }).run = async (c: unknown, i: string) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      active--;
      return original(c, i);
    };
    const images = Array.from({ length: 20 }, (_, i) => `test.registry.io/app-${i}`);
    const answers = await Promise.all(images.map((image) => plugin.entries(image)));
    expect(answers.every((entries) => entries.length === 1)).toBe(true);
    expect(runs.length).toBe(20);
    expect(peak).toBe(4);
  });

  test('runs waiting for a slot use an answer for their registry that came in meanwhile instead of running', async () => {
    const { plugin, runs } = counted(['*.registry.io'], () => respond('Registry', '*.registry.io', 60_000));
    const original = (plugin as unknown as { run: (c: unknown, i: string) => Promise<PluginResponse> }).run;
    (plugin as unknown as { run: unknown }).run = async (c: unknown, i: string) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return original(c, i);
    };
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => plugin.entries(`test.registry.io/app-${i}`)));
    expect(answers.every((entries) => entries.length === 1)).toBe(true);
    expect(runs.length).toBe(4);
  });

  test('a failed run gives nothing, keeps the reason for that image, warns once, and is retried next time', async () => {
    let fail = true;
    const { plugin, runs, warnings } = counted(['*.registry.io'], () => (fail ? new PluginError('credential provider plugin test-plugin exited with status 3: boom') : respond('Image', '*.registry.io', 60_000)));
    expect(await plugin.entries('test.registry.io/foo')).toEqual([]);
    expect(await plugin.entries('test.registry.io/foo')).toEqual([]);
    expect(plugin.failureFor('test.registry.io/foo')).toBe('credential provider plugin test-plugin exited with status 3: boom');
    expect(plugin.failureFor('test.registry.io/other')).toBeUndefined();
    expect(warnings.length).toBe(1);
    fail = false;
    expect((await plugin.entries('test.registry.io/foo')).length).toBe(1);
    expect(plugin.failureFor('test.registry.io/foo')).toBeUndefined();
    expect(runs.length).toBe(3);
  });
});

describe('matchImages decides which images a plugin is asked about (the kubelet\'s URLsMatch)', () => {
  test.each([
    // [pattern, image repository, asked?] — kubernetes keyring_test.go TestURLsMatch and the documented examples.
    ['*.kubernetes.io', 'prefix.kubernetes.io/app', true],
    ['prefix.*.io', 'prefix.kubernetes.io/app', true],
    ['prefix.kubernetes.*', 'prefix.kubernetes.io/app', true],
    ['*-good.kubernetes.io', 'prefix-good.kubernetes.io/app', true],
    ['*.kubernetes.io/blah', 'prefix.kubernetes.io/blah', true],
    ['prefix.*.io/foo', 'prefix.kubernetes.io/foo/bar', true],
    ['*.kubernetes.io:1111/blah', 'prefix.kubernetes.io:1111/blah', true],
    ['prefix.*.io:1111/foo', 'prefix.kubernetes.io:1111/foo/bar', true],
    ['*.kubernetes.io', 'kubernetes.io/app', false],
    ['*.*.kubernetes.io', 'prefix.kubernetes.io/app', false],
    ['*.*.kubernetes.io', 'kubernetes.io/app', false],
    ['kubernetes.io', 'kubernetes.com/app', false],
    ['k*.io', 'quay.io/app', false],
    ['*.kubernetes.io:1234/blah', 'prefix.kubernetes.io:1111/blah', false],
    ['prefix.*.io/foo', 'prefix.kubernetes.io:1111/foo/bar', false],
    ['*.dkr.ecr.*.amazonaws.com', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app', true],
    ['*.dkr.ecr.*.amazonaws.com', '123456789012.dkr.ecr.eu-west-1.amazonaws.com.cn/team/app', false],
    ['*.azurecr.io', 'myregistry.azurecr.io/app', true],
    ['gcr.io', 'gcr.io/project/app', true],
    ['gcr.io', 'eu.gcr.io/project/app', false],
    ['*.*.registry.io', 'foo.bar.registry.io/foo/bar', true],
    ['registry.io:8080/path', 'registry.io:8080/path/app', true],
    ['registry.io:8080/path', 'registry.io/path/app', false],
    // The kubelet puts https:// before a pattern without looking: one with a scheme never matches.
    ['https://registry.io', 'registry.io/app', false],
    // A path is matched as a plain string prefix, as the kubelet does.
    ['registry.io/team', 'registry.io/teamster/app', true],
  ])('%s for %s → %s', (pattern, image, expected) => {
    const { plugin } = counted([pattern], () => respond('Image', pattern));
    expect(plugin.matches(image)).toBe(expected);
  });

  test('an image no pattern matches never runs the plugin', async () => {
    const { plugin, runs } = counted(['*.registry.io'], () => respond('Image', '*.registry.io'));
    expect(await plugin.entries('quay.io/team/app')).toEqual([]);
    expect(runs).toEqual([]);
  });
});
