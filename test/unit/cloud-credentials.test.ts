import { acrResource, jwtExpiry } from '../../src/registry/credentials/cloud/acr.js';
import { CLOUD_RENEWAL_MARGIN_MS, describeFailure } from '../../src/registry/credentials/cloud/common.js';
import { ExpiringCache } from '../../src/registry/expiring-cache.js';
import { ecrRegistry } from '../../src/registry/credentials/cloud/ecr.js';
import { gcpMetadataUrl, isGcpRegistry } from '../../src/registry/credentials/cloud/gcp.js';
import { parseCloudEndpoints, parseCloudHosts } from '../../src/registry/credentials/cloud/providers.js';
import { loadSettings } from '../../src/settings/config.js';

describe('which registry hosts each cloud provider serves', () => {
  test.each([
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', { account: '123456789012', region: 'eu-west-1', fips: false }],
    ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', { account: '123456789012', region: 'us-gov-west-1', fips: true }],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', { account: '123456789012', region: 'cn-north-1', fips: false }],
    ['123456789012.dkr-ecr.eu-west-1.on.aws', { account: '123456789012', region: 'eu-west-1', fips: false }],
    ['123456789012.DKR.ECR.EU-WEST-1.AMAZONAWS.COM', { account: '123456789012', region: 'eu-west-1', fips: false }],
    ['12345678901.dkr.ecr.eu-west-1.amazonaws.com', undefined],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com:443', undefined],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.example', undefined],
    ['public.ecr.aws', undefined],
    ['registry.example.com', undefined],
  ])('ECR: %s → %j', (host, expected) => {
    expect(ecrRegistry(host)).toEqual(expected);
  });

  test.each([
    ['gcr.io', true],
    ['eu.gcr.io', true],
    ['us-docker.pkg.dev', true],
    ['europe-west3-docker.pkg.dev', true],
    ['EU.GCR.IO', true],
    ['a.b.gcr.io', false],
    ['gcr.io.evil.example', false],
    ['europe-west3-python.pkg.dev', false],
    ['pkg.dev', false],
    ['notgcr.io', false],
  ])('GCP: %s → %s', (host, expected) => {
    expect(isGcpRegistry(host)).toBe(expected);
  });

  test.each([
    ['myregistry.azurecr.io', 'https://management.azure.com/'],
    ['myregistry.azurecr.cn', 'https://management.chinacloudapi.cn/'],
    ['myregistry.azurecr.us', 'https://management.usgovcloudapi.net/'],
    ['MyRegistry.AzureCR.io', 'https://management.azure.com/'],
    ['azurecr.io', undefined],
    ['myregistry.azurecr.io.evil.example', undefined],
    ['myregistry.azurecr.io:443', undefined],
  ])('ACR: %s → %s', (host, expected) => {
    expect(acrResource(host)).toBe(expected);
  });
});

describe('cloud credential settings', () => {
  test('host=provider and provider=URL pairs', () => {
    expect(parseCloudHosts(['Registry.Internal:5000=ecr', 'mirror.lab=gcp', 'other.lab=ecr'])).toEqual(
      new Map([
        ['ecr', ['registry.internal:5000', 'other.lab']],
        ['gcp', ['mirror.lab']],
      ]),
    );
    expect(parseCloudEndpoints(['ecr=https://vpce-1.api.ecr.eu-west-1.vpce.amazonaws.com', 'gcp=http://127.0.0.1:8181/'])).toEqual(
      new Map([
        ['ecr', 'https://vpce-1.api.ecr.eu-west-1.vpce.amazonaws.com'],
        ['gcp', 'http://127.0.0.1:8181'],
      ]),
    );
  });

  test.each([
    [['--cloud-credentials=ecr,aws'], /^cloudCredentials: must be a comma-separated list of ecr, gcp, acr/],
    [['--cloud-credential-host=registry.internal'], /^cloudCredentialHosts: "registry.internal" is not host=provider/],
    [['--cloud-credential-host=registry.internal=docker'], /^cloudCredentialHosts: /],
    [['--cloud-credential-host=https://registry.internal=ecr'], /^cloudCredentialHosts: /],
    [['--cloud-credential-endpoint=gcp=metadata.internal'], /^cloudCredentialEndpoints: "gcp=metadata.internal" is not provider=URL/],
    [['--cloud-credential-endpoint=gcp=http://127.0.0.1:1/computeMetadata'], /^cloudCredentialEndpoints: /],
    [['--cloud-credential-endpoint=aws=https://ecr.example'], /^cloudCredentialEndpoints: /],
    [['--cloud-credential-endpoint=gcp=http://a:1,gcp=http://b:1'], /^cloudCredentialEndpoints: /],
  ])('bad value %j → one line naming the setting', (args, message) => {
    expect(() => loadSettings(args, {})).toThrow(message);
  });

  test('flags, repeated or comma-separated, and environment variables', () => {
    const settings = loadSettings(['--cloud-credentials=ECR, gcp', '--cloud-credential-host=a.lab=ecr', '--cloud-credential-host=b.lab=gcp'], {
      IAE_CLOUD_CREDENTIAL_ENDPOINTS: 'acr=http://127.0.0.1:9999',
    });
    expect(settings.cloudCredentials).toEqual(['ecr', 'gcp']);
    expect(settings.cloudCredentialHosts).toEqual(['a.lab=ecr', 'b.lab=gcp']);
    expect(settings.cloudCredentialEndpoints).toEqual(['acr=http://127.0.0.1:9999']);
    expect(loadSettings([], {}).cloudCredentials).toEqual(['ecr']);
  });

  test('the GCP metadata server: the setting, else GCE_METADATA_HOST, else metadata.google.internal', () => {
    expect(gcpMetadataUrl('http://10.0.0.1:8080', { GCE_METADATA_HOST: 'ignored:1' })).toBe('http://10.0.0.1:8080');
    expect(gcpMetadataUrl(undefined, { GCE_METADATA_HOST: '127.0.0.1:8181' })).toBe('http://127.0.0.1:8181');
    expect(gcpMetadataUrl(undefined, {})).toBe('http://metadata.google.internal');
  });
});

describe('token lifetimes', () => {
  test('a cached value is renewed a tenth of its lifetime early, at most five minutes', async () => {
    let now = 0;
    const cache = new ExpiringCache<string>(CLOUD_RENEWAL_MARGIN_MS, () => now);
    let fetches = 0;
    const fetch = (lifetimeMs: number) => async () => ({ value: `v${++fetches}`, expiresAt: now + lifetimeMs });
    expect(await cache.getOrFetch('short', fetch(100_000))).toBe('v1');
    now = 89_999;
    expect(await cache.getOrFetch('short', fetch(100_000))).toBe('v1');
    now = 90_000;
    expect(await cache.getOrFetch('short', fetch(100_000))).toBe('v2');

    now = 0;
    const twelveHours = 12 * 3600_000;
    expect(await cache.getOrFetch('ecr', fetch(twelveHours))).toBe('v3');
    now = twelveHours - 5 * 60_000 - 1;
    expect(await cache.getOrFetch('ecr', fetch(twelveHours))).toBe('v3');
    now = twelveHours - 5 * 60_000;
    expect(await cache.getOrFetch('ecr', fetch(twelveHours))).toBe('v4');
  });

  test('concurrent callers share one fetch; a failure is not kept', async () => {
    const cache = new ExpiringCache<string>(CLOUD_RENEWAL_MARGIN_MS);
    let fetches = 0;
    const failing = async () => {
      fetches++;
      throw new Error('down');
    };
    await expect(Promise.all([cache.getOrFetch('k', failing), cache.getOrFetch('k', failing)])).rejects.toThrow('down');
    expect(fetches).toBe(1);
    expect(await cache.getOrFetch('k', async () => ({ value: 'up', expiresAt: Date.now() + 60_000 }))).toBe('up');
  });

  test("an ACR refresh token's expiry is its JWT exp; anything else has none", () => {
    const exp = Math.floor(Date.now() / 1000) + 3 * 3600;
    const jwt = ['{"alg":"RS256"}', JSON.stringify({ exp, grant_type: 'refresh_token' }), 'sig'].map((part) => Buffer.from(part).toString('base64url')).join('.');
    expect(jwtExpiry(jwt)).toBe(exp * 1000);
    expect(jwtExpiry('opaque-token')).toBeUndefined();
    expect(jwtExpiry('a.not-base64-json.c')).toBeUndefined();
    const expired = ['{}', JSON.stringify({ exp: 1 }), ''].map((part) => Buffer.from(part).toString('base64url')).join('.');
    expect(jwtExpiry(expired)).toBeUndefined();
  });
});

describe('failure reasons never quote an answer', () => {
  test.each([
    [Object.assign(new Error('The security token included in the request is invalid.'), { name: 'UnrecognizedClientException', $fault: 'client', $metadata: { httpStatusCode: 400 } }), 'UnrecognizedClientException: The security token included in the request is invalid. (HTTP 400)'],
    [Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }), 'connect ECONNREFUSED 10.0.0.1:443'],
    [new Error('AWS SDK error wrapper for Error: getaddrinfo ENOTFOUND api.ecr.example'), 'getaddrinfo ENOTFOUND api.ecr.example'],
    [new SyntaxError('Unexpected token \'s\', "secret-token" is not valid JSON'), 'SyntaxError: its message is not shown, it may quote the answer'],
    [new Error('AWS SDK error wrapper for SyntaxError: Unexpected token "secret-token"'), 'its message is not shown, it may quote the answer'],
  ])('%s → %s', (error, expected) => {
    expect(describeFailure(error)).toBe(expected);
  });
});
