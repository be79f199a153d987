// The reasons a user reads for the common first-run failures, against the real distribution
// registry: what happened and which setting fixes it, never a raw OpenSSL dump.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient, type RegistryClientOptions } from '../../src/registry/client.js';
import { hintFor } from '../../src/registry/verdicts/reasons.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { freePort } from '../support/processes.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { createTestCa, issueCert } from '../support/test-ca.js';

const clients: RegistryClient[] = [];
function client(overrides: Partial<RegistryClientOptions> = {}): RegistryClient {
  const made = new RegistryClient({ requestTimeoutMs: 3000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [], connectionsPerOrigin: 2, userAgent: 't', ...overrides });
  clients.push(made);
  return made;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

describe('plain HTTP registry', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'none' });
    await registry.pushImage('team/app', 'v1');
    await registry.pushImage('team/other', 'v1');
  });
  afterAll(() => registry.stop());

  test('not allowed plain HTTP → registry_unavailable, reason names --allow-plain-http', async () => {
    const result = await client().check(parseReference(`${registry.host}/team/app:v1`), []);
    expect(result).toMatchObject({ status: 'registry_unavailable', failure: 'plain-http' });
    expect(result.message).toBe(`registry ${registry.host} answers plain HTTP, not HTTPS (ERR_SSL_WRONG_VERSION_NUMBER): ${hintFor('plain-http')}`);
  });

  test('missing tag in an existing repository → absent, reason says the tag', async () => {
    const result = await client({ plainHttpHosts: [registry.host] }).check(parseReference(`${registry.host}/team/app:v404`), []);
    expect(result).toMatchObject({ status: 'absent', failure: 'tag-absent' });
    expect(result.message).toBe(`tag v404 is not in ${registry.host}/team/app, the repository exists (404): ${hintFor('tag-absent')}`);
  });

  test('missing repository → absent, reason says the repository', async () => {
    const result = await client({ plainHttpHosts: [registry.host] }).check(parseReference(`${registry.host}/team/nothing:v1`), []);
    expect(result).toMatchObject({ status: 'absent', failure: 'repository-absent' });
    expect(result.message).toBe(`repository team/nothing does not exist on ${registry.host} (404): ${hintFor('repository-absent')}`);
  });

  test('missing digest in an existing repository → absent, reason says the digest', async () => {
    const digest = `sha256:${'0'.repeat(64)}`;
    const result = await client({ plainHttpHosts: [registry.host] }).check(parseReference(`${registry.host}/team/other@${digest}`), []);
    expect(result).toMatchObject({ status: 'absent', failure: 'digest-absent' });
    expect(result.message).toContain(`manifest ${digest} is not in ${registry.host}/team/other (404)`);
  });

  test('nothing listening → registry_unavailable, refused', async () => {
    const host = `127.0.0.1:${await freePort()}`;
    const result = await client().check(parseReference(`${host}/team/app:v1`), []);
    expect(result).toMatchObject({ status: 'registry_unavailable', failure: 'refused' });
    expect(result.message).toBe(`registry ${host} refused the connection (ECONNREFUSED): ${hintFor('refused')}`);
  });
});

describe('registry behind TLS from a private CA', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'none', tls: true });
    await registry.pushImage('team/app', 'v1');
  });
  afterAll(() => registry.stop());

  test('CA not trusted → registry_unavailable, reason names --capath', async () => {
    const result = await client().check(parseReference(`${registry.host}/team/app:v1`), []);
    expect(result).toMatchObject({ status: 'registry_unavailable', failure: 'unknown-ca' });
    expect(result.message).toMatch(new RegExp(`^registry ${registry.host} presents a certificate signed by an unknown authority \\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\\): trust the CA that signed it with --capath`));
    expect(result.message).not.toMatch(/SSL routines|error:[0-9A-F]{8}/);
  });

  test('CA trusted → available', async () => {
    expect((await client({ caFiles: [registry.caFile!] }).check(parseReference(`${registry.host}/team/app:v1`), [])).status).toBe('available');
  });
});

describe('certificate issued for another name', () => {
  // A plain HTTPS server stands in here: the harness's registry listens on 127.0.0.1 only, which
  // its certificate names; this one answers on 127.0.0.2 (loopback too) with that same certificate.
  test('host not in the certificate → registry_unavailable, reason says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iae-reasons-'));
    const ca = await createTestCa(dir);
    const cert = await issueCert(ca, 'server', 'server');
    const server = createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, (_request, response) => response.writeHead(200).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    const host = `127.0.0.2:${(server.address() as AddressInfo).port}`;
    try {
      const result = await client({ caFiles: [ca.caFile] }).check(parseReference(`${host}/team/app:v1`), []);
      expect(result).toMatchObject({ status: 'registry_unavailable', failure: 'certificate-name-mismatch' });
      expect(result.message).toBe(`registry ${host} presents a certificate issued for another name (ERR_TLS_CERT_ALTNAME_INVALID): ${hintFor('certificate-name-mismatch')}`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('token auth registry, anonymous pulls of nothing granted', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token', anonymous: 'token', anonymousGrants: ['public/*'] });
    await registry.pushImage('public/app', 'v1');
  });
  afterAll(() => registry.stop());

  test('misspelt repository, no pull secret → authentication_failure, reason says private or absent', async () => {
    const result = await client({ plainHttpHosts: [registry.host] }).check(parseReference(`${registry.host}/pubic/app:v1`), []);
    expect(result).toMatchObject({ status: 'authentication_failure', failure: 'private-or-absent' });
    expect(result.message).toBe(`${registry.host} does not let anonymous users pull pubic/app: it is private or does not exist (401, insufficient_scope): ${hintFor('private-or-absent')}`);
  });

  test('granted repository, missing tag → absent, tag missing', async () => {
    const result = await client({ plainHttpHosts: [registry.host] }).check(parseReference(`${registry.host}/public/app:v2`), []);
    expect(result).toMatchObject({ status: 'absent', failure: 'tag-absent' });
  });
});

describe('htpasswd registry, a pull secret with a wrong password', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'htpasswd', users: { puller: 'right-password' } });
  });
  afterAll(() => registry.stop());

  test('a password that is a word of the reason ("wrong") → the exporter\'s own sentence stays whole', async () => {
    const credential = { username: 'puller', password: 'wrong', source: 'secret shop/regcred' };
    const result = await client({ plainHttpHosts: [registry.host] }).check(parseReference(`${registry.host}/team/app:v1`), [credential]);
    expect(result).toMatchObject({ status: 'authentication_failure', failure: 'credentials-refused' });
    expect(result.message).toContain(hintFor('credentials-refused'));
    expect(hintFor('credentials-refused')).toContain('is wrong or expired');
    expect(result.message).not.toContain('[redacted]');
  });
});
