// Cloud registries without pull secrets: ECR, Artifact Registry/GCR and ACR credentials from the
// exporter's own cloud identity, checked against the real registry (htpasswd) whose user and
// password are what each cloud's token endpoint yields.
//
// The token endpoints are STAND-INS: small HTTP servers of this file that answer like the AWS ECR
// API (AWS JSON 1.1, GetAuthorizationToken), the GCE metadata server and the Azure instance
// metadata service plus ACR's /oauth2/exchange, because the real cloud endpoints cannot run here.
// Everything else is real: the AWS SDK with its standard credential chain (from the environment),
// the registry client, and the registry answering the HEAD.
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import type { CheckRow } from '../../src/check-command/command.js';
import { imageChecker } from '../../src/checks/image-checker.js';
import { loadSettings } from '../../src/settings/config.js';
import { createLogger } from '../../src/log/log.js';
import { ACR_USERNAME } from '../../src/registry/credentials/cloud/acr.js';
import { GCP_USERNAME } from '../../src/registry/credentials/cloud/gcp.js';
import { cloudCredentialProviders, type CloudSettings } from '../../src/registry/credentials/cloud/providers.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { runCheck } from '../support/check-run.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { capturedLogs } from '../support/captured-logs.js';

type Seen = { method: string; url: string; headers: IncomingMessage['headers']; body: string };
type Answer = (seen: Seen, res: ServerResponse) => void;

/** A local HTTP server standing in for a cloud token endpoint; `answer` can be swapped per test. */
type StandIn = { url: string; host: string; seen: Seen[]; answer: Answer; close(): Promise<void> };

async function startStandIn(answer: Answer, forward?: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<StandIn> {
  const standIn = { seen: [] as Seen[], answer } as StandIn;
  const server: Server = createServer((req, res) => {
    if (forward?.(req, res)) return;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      standIn.seen.push(seen);
      standIn.answer(seen, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  standIn.host = `127.0.0.1:${port}`;
  standIn.url = `http://${standIn.host}`;
  standIn.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return standIn;
}

function json(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  res.writeHead(status, { 'content-type': contentType });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** A free port nobody listens on: a token endpoint that is down. */
async function closedPortUrl(): Promise<string> {
  const standIn = await startStandIn(() => undefined);
  await standIn.close();
  return standIn.url;
}

const secret = (prefix: string) => `${prefix}-${randomBytes(12).toString('hex')}`;

// bcrypt (htpasswd) reads at most 72 bytes of a password: the stand-ins' tokens stay shorter, so the
// registry really compares all of them.
const ecrPassword = secret('ecr-password');
const gcpToken = secret('ya29.gcp-token');
const acrRefreshToken = secret('acr-refresh-token');
const aadToken = secret('aad-access-token');
const everySecret = [ecrPassword, gcpToken, acrRefreshToken, aadToken];

let registry: TestRegistry;
/** The registry behind a front that also serves ACR's /oauth2/exchange on the registry's own origin, as ACR does. */
let acrFront: StandIn;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'htpasswd', users: { AWS: ecrPassword, [GCP_USERNAME]: gcpToken, [ACR_USERNAME]: acrRefreshToken } });
  await registry.pushImage('team/app', 'v1');
  const target = new URL(registry.url);
  acrFront = await startStandIn(
    (seen, res) => {
      const form = new URLSearchParams(seen.body);
      const valid = seen.method === 'POST' && seen.url === '/oauth2/exchange' && form.get('grant_type') === 'access_token' && form.get('service') === acrFront.host && form.get('access_token') === aadToken;
      if (valid) json(res, 200, { refresh_token: acrRefreshToken });
      else json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid AAD token' }] });
    },
    (req, res) => {
      if (req.url === '/oauth2/exchange') return false;
      // Everything else is the real registry's answer.
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
      return true;
    },
  );
});

afterAll(async () => {
  await acrFront?.close();
  await registry?.stop();
});

/** The exporter's checker with the cloud providers the settings turn on, logs captured. */
function checkerFor(settings: Partial<CloudSettings>, env: NodeJS.ProcessEnv = {}) {
  const { logs, sink } = capturedLogs();
  const client = new RegistryClient({
    requestTimeoutMs: 5000,
    caFiles: [],
    insecureSkipVerifyHosts: [],
    plainHttpHosts: [registry.host, acrFront.host],
    connectionsPerOrigin: 4,
    userAgent: 'iae-test',
  });
  const cloud = cloudCredentialProviders(
    { cloudCredentials: [], cloudCredentialHosts: [], cloudCredentialEndpoints: [], registryRequestTimeout: 5000, ...settings },
    client,
    createLogger('debug', sink),
    env,
  );
  const check = imageChecker(client, undefined, cloud.providers);
  return {
    logs,
    check: (image: string) => check({ key: image, reference: parseReference(image), pullSecrets: [] }),
    async close() {
      await client.close();
      await cloud.close();
    },
  };
}

function expectNoSecretIn(...texts: string[]): void {
  for (const text of texts) for (const value of everySecret) expect(text).not.toContain(value);
}

describe('Amazon ECR', () => {
  const accessKeyId = 'AKIDSTANDINTEST00001';
  const region = 'eu-central-1';
  let ecrApi: StandIn;
  let saved: NodeJS.ProcessEnv;

  /** The ECR API stand-in: checks the request is a SigV4-signed GetAuthorizationToken of the credentials in the environment. */
  const ecrAnswer =
    (expiresInSeconds = 12 * 3600): Answer =>
    (seen, res) => {
      const target = seen.headers['x-amz-target'];
      const signedByChain = String(seen.headers.authorization).startsWith(`AWS4-HMAC-SHA256 Credential=${accessKeyId}/`) && String(seen.headers.authorization).includes(`/${region}/ecr/aws4_request`);
      if (target !== 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken' || !signedByChain) {
        json(res, 400, { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' }, 'application/x-amz-json-1.1');
        return;
      }
      const token = Buffer.from(`AWS:${ecrPassword}`).toString('base64');
      json(res, 200, { authorizationData: [{ authorizationToken: token, expiresAt: Date.now() / 1000 + expiresInSeconds, proxyEndpoint: `https://${registry.host}` }] }, 'application/x-amz-json-1.1');
    };

  beforeAll(async () => {
    ecrApi = await startStandIn(ecrAnswer());
    saved = { ...process.env };
    // The SDK's standard chain takes these from the environment, as it would IRSA's from the pod's.
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: 'stand-in-secret-access-key',
      AWS_REGION: region,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await ecrApi?.close();
  });
  beforeEach(() => {
    ecrApi.seen.length = 0;
    ecrApi.answer = ecrAnswer();
  });

  const ecrSettings = () => ({ cloudCredentials: ['ecr'], cloudCredentialHosts: [`${registry.host}=ecr`], cloudCredentialEndpoints: [`ecr=${ecrApi.url}`] });

  test('with the ecr provider → available, with the token from GetAuthorizationToken', async () => {
    const checker = checkerFor(ecrSettings());
    const result = await checker.check(`${registry.host}/team/app:v1`);
    expect(result.status).toBe('available');
    expect(ecrApi.seen).toHaveLength(1);
    expect(ecrApi.seen[0].headers['content-type']).toBe('application/x-amz-json-1.1');
    expectNoSecretIn(...checker.logs);
    await checker.close();
  });

  test('without it → authentication_failure, and the ECR API is not asked', async () => {
    const checker = checkerFor({ ...ecrSettings(), cloudCredentials: [] });
    expect((await checker.check(`${registry.host}/team/app:v1`)).status).toBe('authentication_failure');
    expect(ecrApi.seen).toHaveLength(0);
    await checker.close();
  });

  test('the token is cached: several checks, also at once, ask the ECR API once', async () => {
    const checker = checkerFor(ecrSettings());
    const first = await Promise.all([1, 2, 3].map(() => checker.check(`${registry.host}/team/app:v1`)));
    const later = await Promise.all([checker.check(`${registry.host}/team/app:v1`), checker.check(`${registry.host}/team/other:v1`)]);
    expect([...first, ...later].map((result) => result.status)).toEqual(['available', 'available', 'available', 'available', 'absent']);
    expect(ecrApi.seen).toHaveLength(1);
    await checker.close();
  });

  test('a host that is no ECR registry gets no ECR token', async () => {
    const checker = checkerFor({ ...ecrSettings(), cloudCredentialHosts: [] });
    expect((await checker.check(`${registry.host}/team/app:v1`)).status).toBe('authentication_failure');
    expect(ecrApi.seen).toHaveLength(0);
    await checker.close();
  });

  test('the ECR API refusing the AWS credentials → authentication_failure naming the cause, one warning, no crash', async () => {
    const checker = checkerFor({ ...ecrSettings(), cloudCredentialEndpoints: [`ecr=${ecrApi.url}`] });
    ecrApi.answer = (_seen, res) => json(res, 400, { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' }, 'application/x-amz-json-1.1');
    const results = [await checker.check(`${registry.host}/team/app:v1`), await checker.check(`${registry.host}/team/app:v1`)];
    for (const result of results) {
      expect(result.status).toBe('authentication_failure');
      expect(result.message).toMatch(/ecr credentials unavailable: GetAuthorizationToken in the default region failed: UnrecognizedClientException/);
    }
    const warnings = checker.logs.filter((line) => line.includes('cloud credentials unavailable'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0])).toMatchObject({ level: 'warn', provider: 'ecr', registry: registry.host });

    ecrApi.answer = ecrAnswer();
    expect((await checker.check(`${registry.host}/team/app:v1`)).status).toBe('available');
    expect(checker.logs.some((line) => line.includes('cloud credentials available again'))).toBe(true);
    await checker.close();
  });

  test('an answer that is not JSON, or no ECR API at all → a classified status, the answer not repeated', async () => {
    const checker = checkerFor(ecrSettings());
    // A JSON parser's message quotes the start of what it choked on: none of it may reach a reason or a log line.
    const body = randomBytes(12).toString('hex');
    ecrApi.answer = (_seen, res) => json(res, 200, `${body}"authorizationToken"`, 'application/x-amz-json-1.1');
    const garbled = await checker.check(`${registry.host}/team/app:v1`);
    expect(garbled.status).toBe('authentication_failure');
    expect(garbled.message).toContain('ecr credentials unavailable: GetAuthorizationToken in the default region failed: SyntaxError: its message is not shown');
    for (const text of [garbled.message, ...checker.logs]) expect(text).not.toContain(body.slice(0, 4));
    await checker.close();

    const down = checkerFor({ ...ecrSettings(), cloudCredentialEndpoints: [`ecr=${await closedPortUrl()}`] });
    const result = await down.check(`${registry.host}/team/app:v1`);
    expect(result.status).toBe('authentication_failure');
    expect(result.message).toMatch(/ecr credentials unavailable: GetAuthorizationToken .* failed: .*ECONNREFUSED/);
    await down.close();
  });
});

describe('Amazon ECR on by default, as in the Go exporter', () => {
  const region = 'eu-central-1';
  let ecrApi: StandIn;
  let saved: NodeJS.ProcessEnv;
  const defaults = () => loadSettings([], {}).cloudCredentials;

  beforeAll(async () => {
    ecrApi = await startStandIn((_seen, res) => json(res, 200, { authorizationData: [{ authorizationToken: Buffer.from(`AWS:${ecrPassword}`).toString('base64'), expiresAt: Date.now() / 1000 + 3600 }] }, 'application/x-amz-json-1.1'));
    saved = { ...process.env };
  });
  afterAll(async () => {
    process.env = saved;
    await ecrApi?.close();
  });
  beforeEach(() => {
    ecrApi.seen.length = 0;
    process.env = { ...saved, AWS_REGION: region, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/nonexistent/aws-config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials' };
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']) delete process.env[name];
  });

  const settings = () => ({ cloudCredentials: defaults(), cloudCredentialHosts: [`${registry.host}=ecr`], cloudCredentialEndpoints: [`ecr=${ecrApi.url}`] });

  test('the default settings ask ECR with the identity the SDK finds → available', async () => {
    expect(defaults()).toEqual(['ecr']);
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDSTANDINTEST00002', AWS_SECRET_ACCESS_KEY: 'stand-in-secret-access-key' });
    const checker = checkerFor(settings());
    expect((await checker.check(`${registry.host}/team/app:v1`)).status).toBe('available');
    expect(ecrApi.seen).toHaveLength(1);
    await checker.close();
  });

  test('no AWS identity → the check goes on as without ECR: no warning, one info line naming why', async () => {
    const checker = checkerFor(settings());
    const withoutEcr = checkerFor({ ...settings(), cloudCredentials: [] });
    const expected = (await withoutEcr.check(`${registry.host}/team/app:v1`)).status;
    const results = [await checker.check(`${registry.host}/team/app:v1`), await checker.check(`${registry.host}/team/other:v1`)];
    expect(results.map((result) => result.status)).toEqual([expected, expected]);
    expect(ecrApi.seen).toHaveLength(0);
    const lines = checker.logs.map((line) => JSON.parse(line) as { level: string; msg: string; reason?: string });
    expect(lines.filter((line) => line.level === 'warn')).toEqual([]);
    const info = lines.filter((line) => line.msg.startsWith('no cloud identity for these registries; checking with pull secrets only'));
    expect(info).toHaveLength(1);
    expect(info[0].reason).toBe('ecr credentials unavailable: no AWS identity found (environment, web identity/IRSA, EKS Pod Identity, instance role, profiles)');
    await checker.close();
    await withoutEcr.close();
  });

  test('--cloud-credentials=none switches it off: ECR is not asked', async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDSTANDINTEST00002', AWS_SECRET_ACCESS_KEY: 'stand-in-secret-access-key' });
    const checker = checkerFor({ ...settings(), cloudCredentials: loadSettings(['--cloud-credentials=none'], {}).cloudCredentials });
    expect((await checker.check(`${registry.host}/team/app:v1`)).status).toBe('authentication_failure');
    expect(ecrApi.seen).toHaveLength(0);
    await checker.close();
  });
});

describe('Google Artifact Registry / GCR', () => {
  let metadata: StandIn;
  const metadataAnswer =
    (expiresIn = 3599): Answer =>
    (seen, res) => {
      if (seen.url !== '/computeMetadata/v1/instance/service-accounts/default/token' || seen.headers['metadata-flavor'] !== 'Google') {
        json(res, 403, 'Missing Metadata-Flavor:Google header.', 'text/html');
        return;
      }
      res.setHeader('metadata-flavor', 'Google');
      json(res, 200, { access_token: gcpToken, expires_in: expiresIn, token_type: 'Bearer' });
    };

  beforeAll(async () => {
    metadata = await startStandIn(metadataAnswer());
  });
  afterAll(() => metadata?.close());
  beforeEach(() => {
    metadata.seen.length = 0;
    metadata.answer = metadataAnswer();
  });

  const gcpSettings = () => ({ cloudCredentials: ['gcp'], cloudCredentialHosts: [`${registry.host}=gcp`], cloudCredentialEndpoints: [`gcp=${metadata.url}`] });

  test('with the gcp provider → available, as oauth2accesstoken with the metadata server token', async () => {
    const checker = checkerFor(gcpSettings());
    expect((await checker.check(`${registry.host}/team/app:v1`)).status).toBe('available');
    expect(metadata.seen).toHaveLength(1);
    expectNoSecretIn(...checker.logs);
    await checker.close();
  });

  test('GCE_METADATA_HOST names the metadata server when no endpoint is set', async () => {
    const checker = checkerFor({ ...gcpSettings(), cloudCredentialEndpoints: [] }, { GCE_METADATA_HOST: metadata.host });
    expect((await checker.check(`${registry.host}/team/app:v1`)).status).toBe('available');
    expect(metadata.seen).toHaveLength(1);
    await checker.close();
  });

  test('without it → authentication_failure', async () => {
    const checker = checkerFor({ ...gcpSettings(), cloudCredentials: ['ecr', 'acr'] });
    expect((await checker.check(`${registry.host}/team/app:v1`)).status).toBe('authentication_failure');
    expect(metadata.seen).toHaveLength(0);
    await checker.close();
  });

  test('the token is cached until shortly before expires_in, then renewed', async () => {
    metadata.answer = metadataAnswer(1);
    const checker = checkerFor(gcpSettings());
    const results = await Promise.all([1, 2, 3].map(() => checker.check(`${registry.host}/team/app:v1`)));
    expect(await checker.check(`${registry.host}/team/app:v1`)).toMatchObject({ status: 'available' });
    expect(results.map((result) => result.status)).toEqual(['available', 'available', 'available']);
    expect(metadata.seen).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await checker.check(`${registry.host}/team/app:v1`)).status).toBe('available');
    expect(metadata.seen).toHaveLength(2);
    await checker.close();
  });

  test.each([
    ['answers 500', (_seen: Seen, res: ServerResponse) => json(res, 500, 'internal error', 'text/plain'), /the metadata server http:\/\/127\.0\.0\.1:\d+\/computeMetadata\/v1\/instance\/service-accounts\/default\/token answered 500/],
    ['answers bad JSON', (_seen: Seen, res: ServerResponse) => json(res, 200, `{"access_token": "${gcpToken}`), /answered with something that is not a JSON object/],
    ['answers without a token', (_seen: Seen, res: ServerResponse) => json(res, 200, { expires_in: 3599 }), /answered without an access_token/],
  ])('the metadata server %s → authentication_failure naming it, no crash, no token in the logs', async (_name, answer, reason) => {
    metadata.answer = answer;
    const checker = checkerFor(gcpSettings());
    const result = await checker.check(`${registry.host}/team/app:v1`);
    expect(result.status).toBe('authentication_failure');
    expect(result.message).toMatch(/gcp credentials unavailable: /);
    expect(result.message).toMatch(reason);
    expect(checker.logs.filter((line) => line.includes('"level":"warn"') && line.includes('"provider":"gcp"'))).toHaveLength(1);
    expectNoSecretIn(result.message, ...checker.logs);
    await checker.close();
  });

  test('the metadata server down → authentication_failure saying it did not answer', async () => {
    const checker = checkerFor({ ...gcpSettings(), cloudCredentialEndpoints: [`gcp=${await closedPortUrl()}`] });
    const result = await checker.check(`${registry.host}/team/app:v1`);
    expect(result.status).toBe('authentication_failure');
    expect(result.message).toMatch(/gcp credentials unavailable: the metadata server .* did not answer: ECONNREFUSED/);
    await checker.close();
  });
});

describe('Azure Container Registry', () => {
  let imds: StandIn;
  const imdsAnswer =
    (clientId?: string): Answer =>
    (seen, res) => {
      const url = new URL(seen.url, 'http://imds');
      const valid =
        url.pathname === '/metadata/identity/oauth2/token' &&
        seen.headers.metadata === 'true' &&
        url.searchParams.get('api-version') === '2018-02-01' &&
        url.searchParams.get('resource') === 'https://management.azure.com/' &&
        url.searchParams.get('client_id') === (clientId ?? null);
      if (!valid) {
        json(res, 400, { error: 'invalid_request', error_description: 'Identity not found' });
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      json(res, 200, { access_token: aadToken, expires_in: '86399', expires_on: String(now + 86399), resource: 'https://management.azure.com/', token_type: 'Bearer' });
    };

  beforeAll(async () => {
    imds = await startStandIn(imdsAnswer());
  });
  afterAll(() => imds?.close());
  beforeEach(() => {
    imds.seen.length = 0;
    acrFront.seen.length = 0;
    imds.answer = imdsAnswer();
  });

  const acrSettings = () => ({ cloudCredentials: ['acr'], cloudCredentialHosts: [`${acrFront.host}=acr`], cloudCredentialEndpoints: [`acr=${imds.url}`] });

  test('with the acr provider → available: the managed identity token is exchanged at the registry for a refresh token', async () => {
    const checker = checkerFor(acrSettings());
    expect((await checker.check(`${acrFront.host}/team/app:v1`)).status).toBe('available');
    expect(imds.seen).toHaveLength(1);
    expect(acrFront.seen).toHaveLength(1);
    expect(acrFront.seen[0].headers['content-type']).toBe('application/x-www-form-urlencoded');
    expectNoSecretIn(...checker.logs);
    await checker.close();
  });

  test('AZURE_CLIENT_ID asks for that user-assigned identity', async () => {
    imds.answer = imdsAnswer('11111111-2222-3333-4444-555555555555');
    const checker = checkerFor(acrSettings(), { AZURE_CLIENT_ID: '11111111-2222-3333-4444-555555555555' });
    expect((await checker.check(`${acrFront.host}/team/app:v1`)).status).toBe('available');
    await checker.close();
  });

  test('without it → authentication_failure', async () => {
    const checker = checkerFor({ ...acrSettings(), cloudCredentials: [] });
    expect((await checker.check(`${acrFront.host}/team/app:v1`)).status).toBe('authentication_failure');
    expect(imds.seen).toHaveLength(0);
    await checker.close();
  });

  test('tokens are cached: several checks ask IMDS and the exchange once', async () => {
    const checker = checkerFor(acrSettings());
    const results = await Promise.all([1, 2, 3].map(() => checker.check(`${acrFront.host}/team/app:v1`)));
    results.push(await checker.check(`${acrFront.host}/team/app:v1`));
    expect(results.map((result) => result.status)).toEqual(['available', 'available', 'available', 'available']);
    expect(imds.seen).toHaveLength(1);
    expect(acrFront.seen).toHaveLength(1);
    await checker.close();
  });

  test('IMDS without the identity → authentication_failure with its error, no crash', async () => {
    imds.answer = imdsAnswer('someone-else');
    const checker = checkerFor(acrSettings());
    const result = await checker.check(`${acrFront.host}/team/app:v1`);
    expect(result.status).toBe('authentication_failure');
    expect(result.message).toMatch(/acr credentials unavailable: the instance metadata service .* answered 400: Identity not found/);
    expect(acrFront.seen).toHaveLength(0);
    await checker.close();
  });

  test('the exchange refusing the token → authentication_failure naming the exchange, no token in the logs', async () => {
    imds.answer = (_seen, res) => json(res, 200, { access_token: 'not-the-aad-token', expires_in: '3600' });
    const checker = checkerFor(acrSettings());
    const result = await checker.check(`${acrFront.host}/team/app:v1`);
    expect(result.status).toBe('authentication_failure');
    expect(result.message).toMatch(new RegExp(`acr credentials unavailable: the token exchange http://${acrFront.host}/oauth2/exchange answered 401`));
    expectNoSecretIn(result.message, ...checker.logs);
    expect(checker.logs.join('\n')).not.toContain('not-the-aad-token');
    await checker.close();
  });

  test('the exchange goes over HTTPS unless the registry is a plain-HTTP one: not sent in clear otherwise', async () => {
    const client = new RegistryClient({ requestTimeoutMs: 5000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [], connectionsPerOrigin: 1, userAgent: 'iae-test' });
    const cloud = cloudCredentialProviders({ ...acrSettings(), registryRequestTimeout: 5000 }, client, createLogger('silent'), {});
    const check = imageChecker(client, undefined, cloud.providers);
    const result = await check({ key: 'k', reference: parseReference(`${acrFront.host}/team/app:v1`), pullSecrets: [] });
    expect(result.status).toBe('registry_unavailable');
    expect(result.message).toMatch(/acr credentials unavailable: the token exchange of 127\.0\.0\.1:\d+ did not answer/);
    expect(acrFront.seen).toHaveLength(0);
    await client.close();
    await cloud.close();
  });
});

describe('check command', () => {
  let metadata: StandIn;
  beforeAll(async () => {
    metadata = await startStandIn((_seen, res) => json(res, 200, { access_token: gcpToken, expires_in: 3599, token_type: 'Bearer' }));
  });
  afterAll(() => metadata?.close());

  async function run(args: string[]) {
    const manifest = stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: `${registry.host}/team/app:v1` }] } });
    const { code, out, err } = await runCheck(['-f', '-', '--output', 'json', `--allow-plain-http=${registry.host}`, ...args], manifest, { HOME: '/nonexistent' });
    return { code, rows: JSON.parse(out) as CheckRow[], err };
  }


  test('--cloud-credentials with its host and endpoint flags → available; without → authentication_failure', async () => {
    const withCloud = await run(['--cloud-credentials=gcp', `--cloud-credential-host=${registry.host}=gcp`, `--cloud-credential-endpoint=gcp=${metadata.url}`]);
    expect(withCloud.code).toBe(0);
    expect(withCloud.rows[0].status).toBe('available');
    const without = await run([]);
    expect(without.code).toBe(1);
    expect(without.rows[0].status).toBe('authentication_failure');
  });

  test('a failing provider is a warning on stderr and the reason of the row', async () => {
    const { code, rows, err } = await run(['--cloud-credentials=gcp', `--cloud-credential-host=${registry.host}=gcp`, `--cloud-credential-endpoint=gcp=${await closedPortUrl()}`]);
    expect(code).toBe(1);
    expect(rows[0]).toMatchObject({ status: 'authentication_failure', reason: expect.stringContaining('gcp credentials unavailable') });
    expect(err).toMatch(/warning: cloud credentials unavailable/);
  });
});
