// The per-registry settings file: what it accepts, the one-line errors for what it does not, and
// credentials from a mounted Secret directory re-read after rotation.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadSettings } from '../../src/settings/config.js';
import { MountedCredentialProvider } from '../../src/registry/credentials/mounted-credentials.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { canonicalHost, parseRegistrySettings } from '../../src/registry/settings/registry-settings.js';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const dir = mkdtempSync(join(tmpdir(), 'iae-registry-settings-'));

describe('registries file', () => {
  test('a full entry, an empty one, and host names folded as requests use them', () => {
    const parsed = parseRegistrySettings({
      registries: {
        'Registry.Internal:5000': { ca: CERT, insecureSkipVerify: false, plainHttp: true, concurrency: 8, mirror: 'mirror.internal/hub/', credentialsDir: dir },
        'docker.io': { concurrency: 2 },
        'quay.io': null,
      },
    });
    expect([...parsed.keys()]).toEqual(['registry.internal:5000', 'registry-1.docker.io', 'quay.io']);
    expect(parsed.get('registry.internal:5000')).toEqual({ caPems: [CERT.trim()], insecureSkipVerify: false, plainHttp: true, concurrency: 8, mirror: 'mirror.internal/hub', credentialsDir: dir });
    expect(parsed.get('quay.io')).toEqual({ caPems: [], insecureSkipVerify: false, plainHttp: false });
    expect(canonicalHost('index.docker.io')).toBe('registry-1.docker.io');
  });

  test.each([
    [{ registry: {} }, 'unknown key "registry"'],
    [{ registries: ['a'] }, '"registries" must map registry hosts'],
    [{ registries: { 'https://r.example': {} } }, '"https://r.example" is not a registry host'],
    [{ registries: { 'r.example': { insecure: true } } }, 'unknown field registries."r.example".insecure'],
    [{ registries: { 'r.example': { plainHttp: 'yes' } } }, 'registries."r.example".plainHttp must be true or false'],
    [{ registries: { 'r.example': { concurrency: 0 } } }, 'registries."r.example".concurrency must be a positive integer'],
    [{ registries: { 'r.example': { ca: 'not a cert' } } }, 'registries."r.example".ca holds no PEM certificate'],
    [{ registries: { 'r.example': { caFile: join(dir, 'missing.pem') } } }, 'registries."r.example".caFile: cannot read'],
    [{ registries: { 'r.example': { credentialsDir: join(dir, 'missing') } } }, 'does not exist'],
    [{ registries: { 'R.example': {}, 'r.example': {} } }, '"r.example" appears twice'],
  ])('%j is refused: %s', (document, message) => {
    expect(() => parseRegistrySettings(document)).toThrow(message);
  });

  test('a broken file stops loadSettings with one line naming the setting', () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'registries:\n  r.example:\n    concurrency: many\n');
    let error: unknown;
    try {
      loadSettings([`--registries-file=${file}`], {});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^registriesFile: .*concurrency must be a positive integer/);
    expect((error as Error).message).not.toContain('\n');
    expect(() => loadSettings([`--registries-file=${join(dir, 'nope.yaml')}`], {})).toThrow(/registriesFile: .*ENOENT/);
  });
});

describe('credentials from a mounted Secret directory', () => {
  const warnings: string[] = [];
  const log = { warn: (detail: object, message?: string) => void warnings.push(`${JSON.stringify(detail)} ${message ?? ''}`) };

  test('re-read after the reload period, so a rotated Secret is used without a restart', async () => {
    const secret = join(dir, 'rotating');
    mkdirSync(secret);
    writeFileSync(join(secret, 'username'), 'u');
    writeFileSync(join(secret, 'password'), 'first');
    let now = 0;
    const provider = new MountedCredentialProvider(new Map([['r.example', secret]]), log, () => now);
    const reference = parseReference('r.example/team/app:1');
    expect((await provider.credentialsFor(reference)).map((c) => c.password)).toEqual(['first']);
    writeFileSync(join(secret, 'password'), 'second');
    now = 10_000;
    expect((await provider.credentialsFor(reference)).map((c) => c.password)).toEqual(['first']);
    now = 40_000;
    expect((await provider.credentialsFor(reference)).map((c) => c.password)).toEqual(['second']);
    expect(await provider.credentialsFor(parseReference('other.example/app:1'))).toEqual([]);
  });

  test('a malformed .dockerconfigjson is a warning without its content, and no credentials', async () => {
    const secret = join(dir, 'malformed');
    mkdirSync(secret);
    writeFileSync(join(secret, '.dockerconfigjson'), '{"auths": "secret-value-xyz"');
    const provider = new MountedCredentialProvider(new Map([['r.example', secret]]), log);
    expect(await provider.credentialsFor(parseReference('r.example/app:1'))).toEqual([]);
    expect(warnings.join(' ')).toContain('cannot use credentialsDir');
    expect(warnings.join(' ')).not.toContain('secret-value-xyz');
  });
});
