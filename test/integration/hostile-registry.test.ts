// Registries that misbehave: every case ends in a status, within the request time limit, with
// bounded memory, and without handing credentials to anyone else.
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../../src/registry/client.js';
import type { Credential } from '../../src/registry/credentials/credentials.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { MAX_BODY_BYTES } from '../../src/registry/transport/transport.js';
import { startHostileServer, type HostileServer } from '../support/hostile-server.js';
import { createTestCa, issueCert } from '../support/test-ca.js';

const TIMEOUT_MS = 1500;
const cred: Credential = { username: 'alice', password: 'hostile-test-password', source: 'secret ns/regcred' };
const servers: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

function client(host: string) {
  return new RegistryClient({
    requestTimeoutMs: TIMEOUT_MS,
    caFiles: [],
    insecureSkipVerifyHosts: [],
    plainHttpHosts: [host],
    connectionsPerOrigin: 4,
    userAgent: 'iae-test',
  });
}

async function serve(handler: Parameters<typeof startHostileServer>[0]): Promise<HostileServer> {
  const server = await startHostileServer(handler);
  servers.push(server);
  return server;
}

async function timedCheck(host: string, credentials: Credential[] = []) {
  const c = client(host);
  const started = Date.now();
  const result = await c.check(parseReference(`${host}/team/app:v1`), credentials);
  const ms = Date.now() - started;
  await c.close();
  return { result, ms };
}

/** Plain-HTTP test servers: answer TLS probes by closing, as a plain server would fail them. */
const bearer = (host: string, extra = '') => `Bearer realm="http://${host}/token",service="hostile"${extra}`;

describe('hostile and broken registries', () => {
  test('token endpoint with a huge body → unknown_error, memory bounded', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const server = await serve((request, response, host) => {
      if (request.url?.startsWith('/token')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        let sent = 0;
        const pump = () => {
          while (sent < 200 && response.write(chunk)) sent++;
          if (sent < 200) response.once('drain', pump);
          else response.end();
        };
        pump();
        return;
      }
      response.writeHead(401, { 'www-authenticate': bearer(host) }).end();
    });
    const before = process.memoryUsage().rss;
    const { result, ms } = await timedCheck(server.host, [cred]);
    expect(result.status).toBe('unknown_error');
    expect(result.message).toContain(`larger than ${MAX_BODY_BYTES} bytes`);
    expect(ms).toBeLessThan(TIMEOUT_MS * 3);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  test('a body that drips one byte a second → registry_unavailable at the time limit', async () => {
    const timers: NodeJS.Timeout[] = [];
    const server = await serve((request, response, host) => {
      if (request.url?.startsWith('/token')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        timers.push(setInterval(() => response.write(' '), 1000));
        return;
      }
      response.writeHead(401, { 'www-authenticate': bearer(host) }).end();
    });
    const { result, ms } = await timedCheck(server.host, [cred]);
    timers.forEach(clearInterval);
    expect(result.status).toBe('registry_unavailable');
    expect(result.message).toMatch(/did not answer within 1500ms: .*--registry-request-timeout/);
    expect(ms).toBeLessThan(TIMEOUT_MS * 2 + 1000);
  });

  test('headers that never come → registry_unavailable at the time limit', async () => {
    const server = await serve(() => {});
    const { result, ms } = await timedCheck(server.host);
    expect(result.status).toBe('registry_unavailable');
    expect(ms).toBeLessThan(TIMEOUT_MS * 2 + 1000);
  });

  test('a redirect loop → unknown_error after a bounded number of hops', async () => {
    const server = await serve((request, response) => {
      response.writeHead(302, { location: `${request.url}x` }).end();
    });
    const { result } = await timedCheck(server.host);
    expect(result.status).toBe('unknown_error');
    expect(result.message).toMatch(/more than 5 redirects/);
    expect(server.requests.filter((r) => r.method === 'HEAD').length).toBeLessThanOrEqual(6);
  });

  test('a redirect to another host never carries our credentials there', async () => {
    const elsewhere = await serve((_request, response) => response.writeHead(200, { 'docker-content-digest': 'sha256:' + 'a'.repeat(64), 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' }).end());
    const server = await serve((request, response) => {
      if (!request.headers.authorization) return void response.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
      response.writeHead(307, { location: `http://${elsewhere.host}${request.url}` }).end();
    });
    const { result } = await timedCheck(server.host, [cred]);
    expect(result.status).toBe('available');
    expect(elsewhere.requests.length).toBeGreaterThan(0);
    expect(elsewhere.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  test.each([
    ['garbage', '!!! {not a challenge}'],
    ['missing', undefined],
    ['bearer without realm', 'Bearer service="x"'],
    ['unknown scheme', 'Negotiate abc'],
  ])('401 with a %s WWW-Authenticate → authentication_failure', async (_name, header) => {
    const server = await serve((_request, response) => response.writeHead(401, header ? { 'www-authenticate': header } : {}).end());
    const { result } = await timedCheck(server.host, [cred]);
    expect(result.status).toBe('authentication_failure');
    expect(result.message).toContain('401 without a Basic or Bearer challenge');
  });

  test.each([
    ['not JSON', 'text/html', '<html>login</html>', 'not JSON'],
    ['no token', 'application/json', '{"expires_in": 60}', 'without a token'],
    ['empty token', 'application/json', '{"token": ""}', 'without a token'],
  ])('GET-only token endpoint answering %s → unknown_error', async (_name, type, body, reason) => {
    const server = await serve((request, response, host) => {
      // 405 to containerd's POST, on which it asks again by GET (authorizer.go doBearerAuth).
      if (request.url?.startsWith('/token') && request.method === 'POST') return void response.writeHead(405).end();
      if (request.url?.startsWith('/token')) return void response.writeHead(200, { 'content-type': type }).end(body);
      response.writeHead(401, { 'www-authenticate': bearer(host) }).end();
    });
    const { result } = await timedCheck(server.host, [cred]);
    expect(result.status).toBe('unknown_error');
    expect(result.message).toContain(reason);
  });

  test('an HTTPS registry pointing to a plain-HTTP token realm is not sent credentials', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iae-hostile-tls-'));
    const ca = await createTestCa(dir);
    const cert = await issueCert(ca, 'server', 'server');
    const realm = await serve((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t"}'));
    const tls = createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, (_request, response) => {
      response.writeHead(401, { 'www-authenticate': bearer(realm.host) }).end();
    });
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    servers.push({ stop: () => new Promise<void>((resolve) => (tls.closeAllConnections(), tls.close(() => resolve()))) });
    const host = `127.0.0.1:${(tls.address() as AddressInfo).port}`;
    const c = new RegistryClient({ requestTimeoutMs: TIMEOUT_MS, caFiles: [ca.caFile], insecureSkipVerifyHosts: [], plainHttpHosts: [], connectionsPerOrigin: 1, userAgent: 't' });
    const result = await c.check(parseReference(`${host}/team/app:v1`), [cred]);
    await c.close();
    expect(result.status).toBe('unknown_error');
    expect(result.message).toContain('is plain HTTP; credentials are not sent there');
    expect(realm.requests).toHaveLength(0);
  });

  test('429 with Retry-After → registry_unavailable carrying the delay', async () => {
    const server = await serve((_request, response) => response.writeHead(429, { 'retry-after': '7' }).end());
    const { result } = await timedCheck(server.host);
    expect(result.status).toBe('registry_unavailable');
    expect(result.retryAfterMs).toBe(7000);
  });

  test.each([500, 502, 503])('%i → registry_unavailable', async (code) => {
    const server = await serve((_request, response) => response.writeHead(code).end());
    expect((await timedCheck(server.host)).result.status).toBe('registry_unavailable');
  });

  test('checks reuse one keep-alive connection (HEAD included), and a server that closes it costs nothing but a reconnect', async () => {
    let closeNext = false;
    const server = await serve((request, response) => {
      if (request.url === '/v2/') return response.writeHead(200).end();
      // Content-Length on HEAD as registries send it (the manifest's size): without it Node's HTTP
      // client, like curl, closes the connection after the answer.
      const headers: Record<string, string> = { 'docker-content-digest': `sha256:${'a'.repeat(64)}`, 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': '527' };
      if (closeNext) headers.connection = 'close';
      // The GET of the manifest (read once per digest): a whole body, not one cut short, which fails a pull.
      if (request.method === 'GET') return response.writeHead(200, { ...headers, 'content-length': '2' }).end('{}');
      response.writeHead(200, headers).end();
    });
    const c = client(server.host);
    try {
      // The first checks also learn the scheme (HTTPS tried first, then plain HTTP): count after them.
      const check = async (i: number) => expect((await c.check(parseReference(`${server.host}/team/app:${i}`), [])).status).toBe('available');
      await check(0);
      await check(1);
      const settled = server.connections();
      for (let i = 2; i < 22; i++) await check(i);
      expect(server.connections()).toBe(settled);
      closeNext = true;
      // Replies that close their connection: checks still succeed, on new connections.
      for (let i = 0; i < 3; i++) await check(i);
      expect(server.connections()).toBeGreaterThan(settled);
    } finally {
      await c.close();
    }
  });

  test('connection reset mid-response → registry_unavailable', async () => {
    const server = await serve((request) => request.socket.destroy());
    const { result } = await timedCheck(server.host);
    expect(result.status).toBe('registry_unavailable');
  });

  test('a registry whose TLS handshake fails → registry_unavailable', async () => {
    const sockets: Socket[] = [];
    const tcp: Server = createTcpServer((socket) => {
      sockets.push(socket);
      socket.end('garbage that is not TLS\r\n');
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    servers.push({ stop: () => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), tcp.close(() => resolve()))) });
    const host = `127.0.0.1:${(tcp.address() as AddressInfo).port}`;
    const c = new RegistryClient({ requestTimeoutMs: TIMEOUT_MS, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [], connectionsPerOrigin: 1, userAgent: 't' });
    const result = await c.check(parseReference(`${host}/team/app:v1`), []);
    await c.close();
    expect(result.status).toBe('registry_unavailable');
  });

  test('404 from a host without /v2/ → registry_v1_api_not_supported', async () => {
    const server = await serve((_request, response) => response.writeHead(404).end('not here'));
    const { result } = await timedCheck(server.host);
    expect(result.status).toBe('registry_v1_api_not_supported');
  });

  test('404 without the API version header but with a /v2/ → absent', async () => {
    const server = await serve((request, response) => response.writeHead(request.url === '/v2/' ? 200 : 404).end());
    expect((await timedCheck(server.host)).result.status).toBe('absent');
  });

  test('the credentials never appear in a result message', async () => {
    const server = await serve((_request, response) => response.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end());
    const { result } = await timedCheck(server.host, [cred]);
    expect(result.status).toBe('authentication_failure');
    expect(JSON.stringify(result)).not.toContain(cred.password);
    expect(JSON.stringify(result)).not.toContain(Buffer.from(`alice:${cred.password}`).toString('base64'));
  });
});

describe('backing off a registry that says 429', () => {
  test('the scheduler pauses the whole registry for Retry-After instead of hammering it', async () => {
    const { CheckScheduler } = await import('../../src/checks/scheduler.js');
    const { CheckResults } = await import('../../src/checks/results.js');
    const server = await serve((_request, response) => response.writeHead(429, { 'retry-after': '1' }).end());
    const c = client(server.host);
    const scheduler = new CheckScheduler({
      intervalMs: 60_000,
      retryInitialDelayMs: 10, // without the pause, ten images would be retried every few ms
      perRegistryConcurrency: 4,
      globalConcurrency: 8,
      results: new CheckResults(),
      check: (unit) => c.check(unit.reference, []),
    });
    for (let i = 0; i < 10; i++) {
      const reference = parseReference(`${server.host}/team/app:v${i}`);
      scheduler.add({ key: reference.normalized, reference, pullSecrets: [] });
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    scheduler.stop();
    await c.close();
    const heads = server.requests.filter((r) => r.method === 'HEAD').length;
    // 4 checks in flight get 429 and pause the registry for 1 s; 4 more then: at most two rounds
    expect(heads).toBeGreaterThanOrEqual(4);
    expect(heads).toBeLessThanOrEqual(8);
  });
});
