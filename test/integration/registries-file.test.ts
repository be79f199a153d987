// The per-registry settings file against real registries: a CA trusted for one host only, plain
// HTTP, credentials from a mounted-Secret directory (basic-auth and dockerconfigjson), a mirror,
// through the same folding the exporter and the check command use.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { stringify } from 'yaml';
import { runCheckCommand } from '../../src/check-command/command.js';
import { ImageResolver } from '../../src/index/image-resolver.js';
import { RegistryClient } from '../../src/registry/client.js';
import { registryOverrides } from '../../src/registry/settings/registry-overrides.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const quiet = { warn: () => {} };

describe('registries file', () => {
  let tlsA: TestRegistry;
  let tlsB: TestRegistry;
  let locked: TestRegistry;
  let dir: string;

  beforeAll(async () => {
    [tlsA, tlsB, locked] = await Promise.all([
      startRegistry({ auth: 'none', tls: true }),
      startRegistry({ auth: 'none', tls: true }),
      startRegistry({ auth: 'htpasswd', users: { puller: 'file-password-42' } }),
    ]);
    await Promise.all([tlsA.pushImage('team/app', 'v1'), tlsB.pushImage('team/app', 'v1'), locked.pushImage('private/app', 'v1')]);
    dir = mkdtempSync(join(tmpdir(), 'iae-registries-'));
  });
  afterAll(() => Promise.all([tlsA?.stop(), tlsB?.stop(), locked?.stop()]));

  function writeRegistries(name: string, registries: Record<string, unknown>): string {
    const path = join(dir, name);
    writeFileSync(path, stringify({ registries }));
    return path;
  }

  async function statusesWith(registriesFile: string, images: string[], flags: Partial<Parameters<typeof registryOverrides>[0]> = {}) {
    const overrides = registryOverrides({ insecureSkipVerifyRegistries: [], plainHttpRegistries: [], imageMirrors: [], registryConcurrency: 2, registriesFile, ...flags }, quiet);
    const client = new RegistryClient({ requestTimeoutMs: 5000, caFiles: [], userAgent: 'test', ...overrides });
    try {
      return await Promise.all(
        images.map(async (image) => {
          const reference = new ImageResolver('docker.io', overrides.imageMirrors).resolve(image).checked;
          const credentials = (await Promise.all(overrides.providers.map((provider) => provider.credentialsFor(reference)))).flat();
          return (await client.check(reference, credentials)).status;
        }),
      );
    } finally {
      await client.close();
    }
  }

  test('a CA is trusted for its host only', async () => {
    const images = [`${tlsA.host}/team/app:v1`, `${tlsB.host}/team/app:v1`];
    expect(await statusesWith('', images)).toEqual(['registry_unavailable', 'registry_unavailable']);
    const file = writeRegistries('ca.yaml', { [tlsA.host]: { ca: tlsA.ca } });
    expect(await statusesWith(file, images)).toEqual(['available', 'registry_unavailable']);
    const both = writeRegistries('ca-files.yaml', { [tlsA.host]: { ca: tlsA.ca }, [tlsB.host]: { caFile: tlsB.caFile } });
    expect(await statusesWith(both, images)).toEqual(['available', 'available']);
  });

  test('insecureSkipVerify per host', async () => {
    const file = writeRegistries('insecure.yaml', { [tlsB.host]: { insecureSkipVerify: true } });
    expect(await statusesWith(file, [`${tlsA.host}/team/app:v1`, `${tlsB.host}/team/app:v1`])).toEqual(['registry_unavailable', 'available']);
  });

  test('credentials from a basic-auth Secret directory and from a dockerconfigjson one', async () => {
    const image = `${locked.host}/private/app:v1`;
    const plain = writeRegistries('plain.yaml', { [locked.host]: { plainHttp: true } });
    expect(await statusesWith(plain, [image])).toEqual(['authentication_failure']);

    const basic = join(dir, 'basic-auth');
    mkdirSync(basic);
    writeFileSync(join(basic, 'username'), 'puller');
    writeFileSync(join(basic, 'password'), 'file-password-42\n');
    expect(await statusesWith(writeRegistries('basic.yaml', { [locked.host]: { plainHttp: true, credentialsDir: basic } }), [image])).toEqual(['available']);

    const docker = join(dir, 'dockerconfig');
    mkdirSync(docker);
    writeFileSync(join(docker, '.dockerconfigjson'), JSON.stringify({ auths: { [locked.host]: { username: 'puller', password: 'file-password-42' } } }));
    expect(await statusesWith(writeRegistries('docker.yaml', { [locked.host]: { plainHttp: true, credentialsDir: docker } }), [image])).toEqual(['available']);

    const wrong = join(dir, 'wrong');
    mkdirSync(wrong);
    writeFileSync(join(wrong, 'username'), 'puller');
    writeFileSync(join(wrong, 'password'), 'not-it');
    expect(await statusesWith(writeRegistries('wrong.yaml', { [locked.host]: { plainHttp: true, credentialsDir: wrong } }), [image])).toEqual(['authentication_failure']);
  });

  test('a mirror: images of a host that does not answer are checked at the mirror', async () => {
    const image = 'registry.unreachable.invalid/team/app:v1';
    expect(await statusesWith('', [image], { registryConcurrency: 1 })).toEqual(['registry_unavailable']);
    const file = writeRegistries('mirror.yaml', { 'registry.unreachable.invalid': { mirror: tlsA.host }, [tlsA.host]: { ca: tlsA.ca } });
    expect(await statusesWith(file, [image])).toEqual(['available']);
    // A flag for the same prefix wins over the file.
    expect(await statusesWith(file, [image], { imageMirrors: [`registry.unreachable.invalid=${tlsB.host}`] })).toEqual(['registry_unavailable']);
  });

  test('the check command takes --registries-file, and the password stays out of its output', async () => {
    const basic = join(dir, 'check-basic');
    mkdirSync(basic);
    writeFileSync(join(basic, 'username'), 'puller');
    writeFileSync(join(basic, 'password'), 'file-password-42');
    const file = writeRegistries('check.yaml', { [locked.host]: { plainHttp: true, credentialsDir: basic }, [tlsA.host]: { ca: tlsA.ca } });
    const manifest = stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: `${locked.host}/private/app:v1` }, { name: 'b', image: `${tlsA.host}/team/app:v1` }] } });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    stdout.on('data', (chunk) => (out += chunk));
    stderr.on('data', (chunk) => (out += chunk));
    const code = await runCheckCommand(['-f', '-', `--registries-file=${file}`], { stdout, stderr, stdin: () => manifest, env: { HOME: dir } });
    expect(out).not.toContain('file-password-42');
    expect(code).toBe(0);
  });
});
