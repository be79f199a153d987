// Checking with the kubelet's own credentials, against the real registry (htpasswd): credential
// provider plugins run as the kubelet runs them, the node's docker config, and the exporter's own
// Docker config with its credential helpers, each with no pull secret.
//
// The real plugin is Amazon's ecr-credential-provider, built from its published Go module
// (k8s.io/cloud-provider-aws) by test/ecr-credential-provider/build.sh, and pointed by the AWS
// SDK's AWS_ENDPOINT_URL_ECR at a STAND-IN of the ECR API defined in this file (the real one cannot
// run here). The protocol's edge cases (failures, hangs, junk, endless output, cache key types)
// use the STAND-IN plugin test/support/bin/credential-plugin-stand-in.mjs; the credential helper
// is the STAND-IN test/support/bin/docker-credential-stand-in.mjs.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, connect, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { imageChecker } from '../../src/checks/image-checker.js';
import { createLogger } from '../../src/log/log.js';
import { RegistryClient } from '../../src/registry/client.js';
import { credentialSources, type CredentialSourceSettings } from '../../src/registry/credentials/credential-sources.js';
import { credentialsFromSecret } from '../../src/registry/credentials/credentials.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { runCheck } from '../support/check-run.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { eventually, statusOf } from '../support/metrics-text.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { cacheDir, repoRoot, run } from '../support/tools.js';
import { capturedLogs } from '../support/captured-logs.js';

const secret = (prefix: string) => `${prefix}-${randomBytes(10).toString('hex')}`;
const users = { 'plugin-user': secret('plugin'), 'node-user': secret('node'), 'helper-user': secret('helper'), AWS: secret('ecr'), 'wrong-user': secret('wrong') };
const everySecret = Object.values(users);
const standInPlugin = join(repoRoot, 'test', 'support', 'bin', 'credential-plugin-stand-in.mjs');
const standInHelper = join(repoRoot, 'test', 'support', 'bin', 'docker-credential-stand-in.mjs');

let registry: TestRegistry;
let work: string;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'htpasswd', users: { ...users, 'wrong-user': secret('other') } });
  await registry.pushImage('team/app', 'v1');
  work = mkdtempSync(join(tmpdir(), 'iae-kubelet-credentials-'));
});

afterAll(async () => {
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const b64 = (text: string) => Buffer.from(text).toString('base64');
const dockerConfig = (auths: Record<string, [string, string]>) => JSON.stringify({ auths: Object.fromEntries(Object.entries(auths).map(([key, [user, pass]]) => [key, { auth: b64(`${user}:${pass}`) }])) });

type PluginSetup = { name?: string; env?: Record<string, string>; matchImages?: string[]; defaultCacheDuration?: string; apiVersion?: string };

/** A kubelet plugin directory and CredentialProviderConfig with the stand-in plugin under each name. */
function pluginConfig(plugins: PluginSetup[]): { config: string; binDir: string; log: string } {
  const dir = mkdtempSync(join(work, 'plugins-'));
  const binDir = join(dir, 'bin');
  mkdirSync(binDir);
  const log = join(dir, 'runs.log');
  const providers = plugins.map((plugin) => {
    const name = plugin.name ?? 'stand-in';
    symlinkSync(standInPlugin, join(binDir, name));
    return {
      name,
      matchImages: plugin.matchImages ?? [registry.host],
      defaultCacheDuration: plugin.defaultCacheDuration ?? '0s',
      apiVersion: plugin.apiVersion ?? 'credentialprovider.kubelet.k8s.io/v1',
      env: Object.entries({ STAND_IN_LOG: log, ...plugin.env }).map(([key, value]) => ({ name: key, value })),
    };
  });
  const config = join(dir, 'credential-provider-config.yaml');
  writeFileSync(config, JSON.stringify({ apiVersion: 'kubelet.config.k8s.io/v1', kind: 'CredentialProviderConfig', providers }));
  return { config, binDir, log };
}

const runsIn = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);

const noSources: CredentialSourceSettings = {
  imageCredentialProviderConfig: '',
  imageCredentialProviderBinDir: '',
  imageCredentialProviderTimeout: 60_000,
  nodeDockerConfigRoot: '',
  kubeletRootDir: '/var/lib/kubelet',
  dockerConfigCredentials: false,
  registryRequestTimeout: 5000,
};

/** The exporter's checker with the given credential sources and pull secrets, logs captured. */
function checkerFor(settings: Partial<CredentialSourceSettings>, options: { env?: NodeJS.ProcessEnv; pullSecret?: Record<string, [string, string]>; plainHttpHosts?: string[] } = {}) {
  const { logs, sink } = capturedLogs();
  const client = new RegistryClient({
    requestTimeoutMs: 5000,
    caFiles: [],
    insecureSkipVerifyHosts: [],
    plainHttpHosts: options.plainHttpHosts ?? [registry.host],
    connectionsPerOrigin: 4,
    userAgent: 'iae-test',
  });
  const log = createLogger('debug', sink);
  const sources = credentialSources({ ...noSources, ...settings }, [], log, options.env ?? { PATH: process.env.PATH });
  const pullSecret = options.pullSecret;
  const secrets = pullSecret
    ? { keyring: async () => ({ kind: 'keyring' as const, entries: credentialsFromSecret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64(dockerConfig(pullSecret)) }, 'secret team/regcred'), notes: [] }) }
    : undefined;
  const check = imageChecker(client, secrets, sources);
  return {
    logs,
    check: (image: string) => check({ key: image, reference: parseReference(image), namespace: 'team', pullSecrets: pullSecret ? ['regcred'] : [] } as Parameters<typeof check>[0]),
    close: () => client.close(),
  };
}

function expectNoSecretIn(...texts: string[]): void {
  for (const text of texts) for (const value of everySecret) expect(text).not.toContain(value);
}

describe('kubelet credential provider plugins (stand-in plugin, real registry)', () => {
  const good = { STAND_IN_USER: 'plugin-user', STAND_IN_PASSWORD: users['plugin-user'] };

  test('a plugin matching the image → available with no pull secret; asked with the repository, no tag', async () => {
    const plugins = pluginConfig([{ env: good }]);
    const checker = checkerFor({ imageCredentialProviderConfig: plugins.config, imageCredentialProviderBinDir: plugins.binDir });
    expect((await checker.check(`${registry.host}/team/app:v1`)).status).toBe('available');
    expect(runsIn(plugins.log)).toEqual([`${registry.host}/team/app`]);
    expectNoSecretIn(...checker.logs);
    await checker.close();
  });

  test('without the plugin, or when its matchImages do not cover the image → authentication_failure, plugin not run', async () => {
    const none = checkerFor({});
    expect((await none.check(`${registry.host}/team/app:v1`)).status).toBe('authentication_failure');
    await none.close();
    const plugins = pluginConfig([{ env: good, matchImages: ['*.example.com'] }]);
    const elsewhere = checkerFor({ imageCredentialProviderConfig: plugins.config, imageCredentialProviderBinDir: plugins.binDir });
    const result = await elsewhere.check(`${registry.host}/team/app:v1`);
    expect(result.status).toBe('authentication_failure');
    expect(result.message).toContain(`none either from the kubelet credential providers (no matchImages entry covers ${registry.host}/team/app)`);
    expect(runsIn(plugins.log)).toEqual([]);
    await elsewhere.close();
  });

  test('a Registry answer cached for its cacheDuration serves every image of that registry with one run', async () => {
    const plugins = pluginConfig([{ env: { ...good, STAND_IN_CACHE_KEY_TYPE: 'Registry', STAND_IN_CACHE_DURATION: '1h' } }]);
    const checker = checkerFor({ imageCredentialProviderConfig: plugins.config, imageCredentialProviderBinDir: plugins.binDir });
    const results = await Promise.all([checker.check(`${registry.host}/team/app:v1`), checker.check(`${registry.host}/team/app:v1`)]);
    results.push(await checker.check(`${registry.host}/team/other:v1`));
    expect(results.map((result) => result.status)).toEqual(['available', 'available', 'absent']);
    expect(runsIn(plugins.log)).toEqual([`${registry.host}/team/app`]);
    await checker.close();
  });

  test('an Image answer serves only that image; the next image runs the plugin again', async () => {
    const plugins = pluginConfig([{ env: { ...good, STAND_IN_CACHE_KEY_TYPE: 'Image', STAND_IN_CACHE_DURATION: '1h' } }]);
    const checker = checkerFor({ imageCredentialProviderConfig: plugins.config, imageCredentialProviderBinDir: plugins.binDir });
    await checker.check(`${registry.host}/team/app:v1`);
    await checker.check(`${registry.host}/team/app:v1`);
    await checker.check(`${registry.host}/team/other:v1`);
    expect(runsIn(plugins.log)).toEqual([`${registry.host}/team/app`, `${registry.host}/team/other`]);
    await checker.close();
  });

  test.each([
    ['fails', { STAND_IN_MODE: 'fail' }, 'credential provider plugin stand-in exited with status 3: stand-in: cannot reach the token service'],
    ['prints junk', { STAND_IN_MODE: 'junk' }, 'credential provider plugin stand-in answered with something that is not JSON on stdout'],
    ['prints without end', { STAND_IN_MODE: 'huge' }, 'credential provider plugin stand-in printed more than 262144 bytes and was killed'],
    ['answers in another apiVersion', { ...good, STAND_IN_MODE: 'wrong-api' }, 'credential provider plugin stand-in answered apiVersion "credentialprovider.kubelet.k8s.io/v1alpha1", not the credentialprovider.kubelet.k8s.io/v1 it was asked in'],
  ])('a plugin that %s → authentication_failure whose reason names the plugin and what went wrong, logged once', async (_what, env, reason) => {
    const plugins = pluginConfig([{ env }]);
    const checker = checkerFor({ imageCredentialProviderConfig: plugins.config, imageCredentialProviderBinDir: plugins.binDir });
    const results = [await checker.check(`${registry.host}/team/app:v1`), await checker.check(`${registry.host}/team/app:v1`)];
    for (const result of results) {
      expect(result.status).toBe('authentication_failure');
      expect(result.message).toContain(reason);
    }
    expect(checker.logs.filter((line) => line.includes('kubelet credential provider plugin gave no credentials'))).toHaveLength(1);
    expectNoSecretIn(...checker.logs, ...results.map((result) => result.message));
    await checker.close();
  });

  test('a plugin that hangs is killed at the timeout; the check ends with a reason saying so', async () => {
    const plugins = pluginConfig([{ env: { STAND_IN_MODE: 'hang' } }]);
    const checker = checkerFor({ imageCredentialProviderConfig: plugins.config, imageCredentialProviderBinDir: plugins.binDir, imageCredentialProviderTimeout: 1500 });
    const started = Date.now();
    const result = await checker.check(`${registry.host}/team/app:v1`);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(result.status).toBe('authentication_failure');
    expect(result.message).toContain('credential provider plugin stand-in did not finish within 1500 ms and was killed');
    await checker.close();
  });

  test('two plugins: what both give is one keyring, the more specific key tried first', async () => {
    const plugins = pluginConfig([
      { name: 'broad', env: { STAND_IN_USER: 'wrong-user', STAND_IN_PASSWORD: users['wrong-user'], STAND_IN_AUTH_KEY: registry.host } },
      { name: 'specific', env: { ...good, STAND_IN_AUTH_KEY: `${registry.host}/team` } },
    ]);
    const checker = checkerFor({ imageCredentialProviderConfig: plugins.config, imageCredentialProviderBinDir: plugins.binDir });
    expect((await checker.check(`${registry.host}/team/app:v1`)).status).toBe('available');
    await checker.close();
  });
});

describe('precedence as the kubelet applies it: pull secrets, then the kubelet\'s sources, each tried', () => {
  const good = { STAND_IN_USER: 'plugin-user', STAND_IN_PASSWORD: users['plugin-user'] };

  test('a pull secret with a wrong password, then a plugin with the right one → available', async () => {
    const plugins = pluginConfig([{ env: good }]);
    const checker = checkerFor({ imageCredentialProviderConfig: plugins.config, imageCredentialProviderBinDir: plugins.binDir }, { pullSecret: { [registry.host]: ['wrong-user', 'not-the-password'] } });
    expect((await checker.check(`${registry.host}/team/app:v1`)).status).toBe('available');
    await checker.close();
  });

  test('every source wrong → authentication_failure naming each source tried, in order', async () => {
    const plugins = pluginConfig([{ env: { STAND_IN_USER: 'plugin-user', STAND_IN_PASSWORD: 'wrong' } }]);
    const checker = checkerFor({ imageCredentialProviderConfig: plugins.config, imageCredentialProviderBinDir: plugins.binDir }, { pullSecret: { [registry.host]: ['wrong-user', 'not-the-password'] } });
    const result = await checker.check(`${registry.host}/team/app:v1`);
    expect(result.status).toBe('authentication_failure');
    expect(result.message).toContain('credentials tried in turn: secret team/regcred, kubelet credential provider stand-in');
    await checker.close();
  });
});

describe("the node's docker config, read as the kubelet reads it", () => {
  function nodeRoot(files: Record<string, string>): string {
    const root = mkdtempSync(join(work, 'node-'));
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    return root;
  }

  test('config.json in the kubelet root dir with credentials for the registry → available with no pull secret', async () => {
    const root = nodeRoot({ 'var/lib/kubelet/config.json': dockerConfig({ [registry.host]: ['node-user', users['node-user']] }) });
    const checker = checkerFor({ nodeDockerConfigRoot: root });
    expect((await checker.check(`${registry.host}/team/app:v1`)).status).toBe('available');
    expect(checker.logs.some((line) => line.includes('node docker config in use') && line.includes('/var/lib/kubelet/config.json'))).toBe(true);
    await checker.close();
  });

  test('a mount with no docker config file in the kubelet\'s search paths is warned about at start', async () => {
    const checker = checkerFor({ nodeDockerConfigRoot: nodeRoot({ 'etc/other.json': '{}' }) });
    expect(checker.logs.filter((line) => line.includes("no credentials in the node's docker config below nodeDockerConfigRoot"))).toHaveLength(1);
    await checker.close();
  });

  test('a legacy .dockercfg is read when no config.json is found', async () => {
    const root = nodeRoot({ 'root/.dockercfg': JSON.stringify({ [`https://${registry.host}`]: { auth: b64(`node-user:${users['node-user']}`) } }) });
    const checker = checkerFor({ nodeDockerConfigRoot: root });
    expect((await checker.check(`${registry.host}/team/app:v1`)).status).toBe('available');
    await checker.close();
  });

  test('the first valid file in the search order wins; one that does not parse is passed over and named in the reason', async () => {
    const passedOver = nodeRoot({
      'var/lib/kubelet/config.json': '{ not json',
      'root/.docker/config.json': dockerConfig({ [registry.host]: ['node-user', users['node-user']] }),
    });
    const good = checkerFor({ nodeDockerConfigRoot: passedOver });
    expect((await good.check(`${registry.host}/team/app:v1`)).status).toBe('available');
    expect(good.logs.some((line) => line.includes('node docker config file passed over'))).toBe(true);
    await good.close();

    const shadowed = nodeRoot({
      'var/lib/kubelet/config.json': dockerConfig({ 'other.example.com': ['x', 'y'] }),
      'root/.docker/config.json': dockerConfig({ [registry.host]: ['node-user', users['node-user']] }),
    });
    const first = checkerFor({ nodeDockerConfigRoot: shadowed });
    const shadowedResult = await first.check(`${registry.host}/team/app:v1`);
    expect(shadowedResult.status).toBe('authentication_failure');
    // The reason says which file the kubelet's search stopped at.
    expect(shadowedResult.message).toContain('none either from node docker config /var/lib/kubelet/config.json');
    await first.close();

    const broken = nodeRoot({ 'var/lib/kubelet/config.json': '{ not json' });
    const only = checkerFor({ nodeDockerConfigRoot: broken });
    const result = await only.check(`${registry.host}/team/app:v1`);
    expect(result.status).toBe('authentication_failure');
    expect(result.message).toContain('node docker config passed over: /var/lib/kubelet/config.json');
    await only.close();
  });
});

describe("the exporter's own Docker config, last of all sources", () => {
  function helperPath(): string {
    const dir = mkdtempSync(join(work, 'helpers-'));
    symlinkSync(standInHelper, join(dir, 'docker-credential-stand-in'));
    return `${dir}:${process.env.PATH}`;
  }

  test('credHelpers for the registry → the helper is asked and its credentials make the image available', async () => {
    const dir = mkdtempSync(join(work, 'docker-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [registry.host]: {} }, credHelpers: { [registry.host]: 'stand-in' } }));
    const env = { PATH: helperPath(), DOCKER_CONFIG: dir, STAND_IN_HELPER_SERVER: registry.host, STAND_IN_HELPER_USER: 'helper-user', STAND_IN_HELPER_SECRET: users['helper-user'] };
    const on = checkerFor({ dockerConfigCredentials: true }, { env });
    expect((await on.check(`${registry.host}/team/app:v1`)).status).toBe('available');
    expectNoSecretIn(...on.logs);
    await on.close();

    const off = checkerFor({ dockerConfigCredentials: false }, { env });
    expect((await off.check(`${registry.host}/team/app:v1`)).status).toBe('authentication_failure');
    await off.close();
  });

  test('a helper that is not installed → authentication_failure naming the missing helper', async () => {
    const dir = mkdtempSync(join(work, 'docker-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: 'not-installed' }));
    const checker = checkerFor({ dockerConfigCredentials: true }, { env: { PATH: process.env.PATH, DOCKER_CONFIG: dir } });
    const result = await checker.check(`${registry.host}/team/app:v1`);
    expect(result.status).toBe('authentication_failure');
    expect(result.message).toContain('docker-credential-not-installed get for');
    expect(result.message).toContain('(is docker-credential-not-installed on PATH?)');
    await checker.close();
  });

  test('a helper that hangs is killed at the registry request timeout; one that prints junk is named', async () => {
    const dir = mkdtempSync(join(work, 'helpers-'));
    writeFileSync(join(dir, 'docker-credential-hang'), '#!/bin/sh\nexec sleep 30\n');
    writeFileSync(join(dir, 'docker-credential-junk'), '#!/bin/sh\ncat >/dev/null\necho "<html>"\n');
    chmodSync(join(dir, 'docker-credential-hang'), 0o755);
    chmodSync(join(dir, 'docker-credential-junk'), 0o755);
    for (const [helper, reason] of [
      ['hang', 'docker-credential-hang get for'],
      ['junk', `docker-credential-junk get for ${registry.host} answered with something that is not JSON`],
    ]) {
      const config = mkdtempSync(join(work, 'docker-'));
      writeFileSync(join(config, 'config.json'), JSON.stringify({ credsStore: helper }));
      const checker = checkerFor({ dockerConfigCredentials: true, registryRequestTimeout: 1000 }, { env: { PATH: `${dir}:${process.env.PATH}`, DOCKER_CONFIG: config } });
      const started = Date.now();
      const result = await checker.check(`${registry.host}/team/app:v1`);
      expect(Date.now() - started).toBeLessThan(6000);
      expect(result.status).toBe('authentication_failure');
      expect(result.message).toContain(reason);
      if (helper === 'hang') expect(result.message).toContain('did not finish within 1000 ms and was killed');
      await checker.close();
    }
  });

  test('the check command reads the same file the same way: auths and helpers', async () => {
    const dir = mkdtempSync(join(work, 'docker-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: 'stand-in' }));
    const manifest = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app, namespace: team}\nspec:\n  template:\n    spec:\n      containers: [{name: app, image: "${registry.host}/team/app:v1"}]\n`;
    const env = { PATH: helperPath(), DOCKER_CONFIG: dir, STAND_IN_HELPER_SERVER: registry.host, STAND_IN_HELPER_USER: 'helper-user', STAND_IN_HELPER_SECRET: users['helper-user'] };
    const viaHelper = await runCheck(['-f', '-', '--allow-plain-http', registry.host], manifest, env);
    expect(viaHelper.out).toMatch(/^available\s/m);
    expect(viaHelper.code).toBe(0);

    const file = join(dir, 'explicit.json');
    writeFileSync(file, dockerConfig({ [registry.host]: ['helper-user', users['helper-user']] }));
    const explicit = await runCheck(['-f', '-', '--allow-plain-http', registry.host, '--docker-config', file, '--docker-config-credentials=false'], manifest, { PATH: process.env.PATH });
    expect(explicit.code).toBe(0);

    const missing = await runCheck(['-f', '-', '--docker-config', join(dir, 'missing.json')], manifest, { PATH: process.env.PATH });
    expect(missing).toMatchObject({ code: 2, err: expect.stringContaining('--docker-config: cannot read docker config') });
  });
});

describe('the real ecr-credential-provider, built from k8s.io/cloud-provider-aws', () => {
  // The plugin answers with an auth key of the image's host name without its port, and the
  // kubelet matches ports exactly: the registry must be reached on the default port. A TCP
  // forward from 127.0.0.1:80 to the real registry gives it one (binding port 80 needs root or
  // CAP_NET_BIND_SERVICE, as the test bed's install script has).
  const plugin = join(cacheDir, 'bin', 'ecr-credential-provider');
  let forward: TcpServer;
  let ecrApi: Server;
  let ecrRequests: Array<{ target: string | undefined; authorization: string | undefined }>;
  let ecrUrl: string;

  beforeAll(async () => {
    const build = run('bash', [join(repoRoot, 'test', 'ecr-credential-provider', 'build.sh')], { timeoutMs: 600_000 });
    if (build.status !== 0) throw new Error(`building ecr-credential-provider failed: ${build.stderr}`);
    const target = new URL(registry.url);
    forward = createTcpServer((socket) => {
      const upstream = connect(Number(target.port), target.hostname);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      forward.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`cannot listen on 127.0.0.1:80 (${error.code}): this test needs root or CAP_NET_BIND_SERVICE`)));
      forward.listen(80, '127.0.0.1', resolve);
    });
    // STAND-IN of the ECR API (AWS JSON 1.1): GetAuthorizationToken, signed by the access key the plugin's environment gives.
    ecrRequests = [];
    ecrApi = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        ecrRequests.push({ target: req.headers['x-amz-target'] as string | undefined, authorization: req.headers.authorization });
        const signed = String(req.headers.authorization).startsWith('AWS4-HMAC-SHA256 Credential=AKIDECRPLUGINTEST001/');
        if (req.headers['x-amz-target'] !== 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken' || !signed) {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify({ __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ authorizationData: [{ authorizationToken: b64(`AWS:${users.AWS}`), expiresAt: Math.floor(Date.now() / 1000) + 12 * 3600, proxyEndpoint: 'http://127.0.0.1' }] }));
      });
    });
    await new Promise<void>((resolve) => ecrApi.listen(0, '127.0.0.1', resolve));
    ecrUrl = `http://127.0.0.1:${(ecrApi.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => (forward?.listening ? forward.close(resolve) : resolve(undefined)));
    await new Promise((resolve) => (ecrApi?.listening ? ecrApi.close(resolve) : resolve(undefined)));
  });

  function ecrConfig(accessKey: string): { config: string; binDir: string } {
    const dir = mkdtempSync(join(work, 'ecr-'));
    const binDir = join(dir, 'bin');
    mkdirSync(binDir);
    symlinkSync(plugin, join(binDir, 'ecr-credential-provider'));
    chmodSync(plugin, 0o755);
    const env = {
      AWS_ENDPOINT_URL_ECR: ecrUrl,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: accessKey,
      AWS_SECRET_ACCESS_KEY: 'ecr-plugin-test-secret-key',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    };
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        apiVersion: 'kubelet.config.k8s.io/v1',
        kind: 'CredentialProviderConfig',
        providers: [{ name: 'ecr-credential-provider', matchImages: ['127.0.0.1', '*.dkr.ecr.*.amazonaws.com'], defaultCacheDuration: '12h', apiVersion: 'credentialprovider.kubelet.k8s.io/v1', env: Object.entries(env).map(([name, value]) => ({ name, value })) }],
      }),
    );
    return { config, binDir };
  }

  test('private image, no pull secret → available with the token the plugin got from GetAuthorizationToken, cached as it says', async () => {
    const { config, binDir } = ecrConfig('AKIDECRPLUGINTEST001');
    const checker = checkerFor({ imageCredentialProviderConfig: config, imageCredentialProviderBinDir: binDir }, { plainHttpHosts: ['127.0.0.1'] });
    expect((await checker.check('127.0.0.1/team/app:v1')).status).toBe('available');
    expect((await checker.check('127.0.0.1/team/other:v1')).status).toBe('absent');
    expect(ecrRequests.filter((request) => request.target?.endsWith('GetAuthorizationToken'))).toHaveLength(1);
    expectNoSecretIn(...checker.logs);
    await checker.close();
  });

  test('the ECR API refusing the plugin → authentication_failure naming the plugin and its error', async () => {
    const { config, binDir } = ecrConfig('AKIDNOTALLOWED000001');
    const checker = checkerFor({ imageCredentialProviderConfig: config, imageCredentialProviderBinDir: binDir }, { plainHttpHosts: ['127.0.0.1'] });
    const result = await checker.check('127.0.0.1/team/app:v1');
    expect(result.status).toBe('authentication_failure');
    expect(result.message).toContain('credential provider plugin ecr-credential-provider exited with status 1');
    expect(result.message).toContain('UnrecognizedClientException');
    await checker.close();
  });
});

describe('the exporter against the real API server: Deployments with no pull secret', () => {
  let api: ApiServer;
  let exporter: TestExporter | undefined;
  let apps: k8s.AppsV1Api;

  beforeAll(async () => {
    api = await startApiServer();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: 'shop' } } });
  }, 120_000);

  afterAll(async () => {
    await exporter?.stop();
    await api?.stop();
  });

  const deploy = (name: string, image: string) =>
    apps.createNamespacedDeployment({
      namespace: 'shop',
      body: { metadata: { name }, spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } } } },
    });

  test('available through the node config.json and through a credential provider plugin; a plugin that fails leaves authentication_failure naming it', async () => {
    const node = mkdtempSync(join(work, 'node-'));
    mkdirSync(join(node, 'var/lib/kubelet'), { recursive: true });
    writeFileSync(join(node, 'var/lib/kubelet/config.json'), dockerConfig({ [`${registry.host}/team/app`]: ['node-user', users['node-user']] }));
    // The plugin serves the other repository, and fails for a third.
    const plugins = pluginConfig([
      { name: 'good-plugin', matchImages: [`${registry.host}/team/other`], env: { STAND_IN_USER: 'plugin-user', STAND_IN_PASSWORD: users['plugin-user'] } },
      { name: 'failing-plugin', matchImages: [`${registry.host}/team/third`], env: { STAND_IN_MODE: 'fail' } },
    ]);
    await registry.pushImage('team/other', 'v1');
    await registry.pushImage('team/third', 'v1');
    exporter = await startExporter({
      kubeconfig: api.kubeconfigPath,
      checkInterval: 60_000,
      retryInitialDelay: 500,
      plainHttpRegistries: [registry.host],
      nodeDockerConfigRoot: node,
      imageCredentialProviderConfig: plugins.config,
      imageCredentialProviderBinDir: plugins.binDir,
      dockerConfigCredentials: false,
    });
    await deploy('via-node-config', `${registry.host}/team/app:v1`);
    await deploy('via-plugin', `${registry.host}/team/other:v1`);
    await deploy('plugin-fails', `${registry.host}/team/third:v1`);
    const statuses = async () => {
      const series = await exporter!.series();
      return ['via-node-config', 'via-plugin', 'plugin-fails'].map((name) => statusOf(series, 'deployment', 'shop', name, 'app'));
    };
    await eventually(statuses, (all) => all.join() === 'available,available,authentication_failure', 30_000, 'the three deployments to settle');
    const reports = (await (await fetch(`${exporter.url}/api/images`)).json()) as Array<{ image: string; reason: string }> | { images: Array<{ image: string; reason: string }> };
    const list = Array.isArray(reports) ? reports : reports.images;
    const third = list.find((report) => report.image.includes('team/third'));
    expect(third?.reason).toContain('credential provider plugin failing-plugin exited with status 3');
    expectNoSecretIn(...exporter.logs);
  }, 90_000);
});
