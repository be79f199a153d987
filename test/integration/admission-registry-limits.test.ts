// Live checks of the admission webhook take the scheduler's registry slots: an apply storm naming
// images no one checked yet cannot flood their registry. Through the real HTTPS listener, the real
// scheduler, registry client and a real registry; the registry that hangs is a hand-written TCP
// listener that accepts and never answers (no real registry hangs on demand), counting the
// connections the exporter opens to it.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { AdmissionDecider } from '../../src/admission/admission-decision.js';
import { AdmissionMetrics } from '../../src/admission/admission-metrics.js';
import { startAdmissionServer, type AdmissionServer } from '../../src/admission/admission-server.js';
import { imageChecker } from '../../src/checks/image-checker.js';
import { CheckResults } from '../../src/checks/results.js';
import { CheckScheduler } from '../../src/checks/scheduler.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { createLogger } from '../../src/log/log.js';
import { RegistryClient } from '../../src/registry/client.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { createTestCa, issueCert } from '../support/test-ca.js';

const PER_REGISTRY = 2;
const BUDGET_MS = 500;
const REQUEST_TIMEOUT_MS = 2000;
const STORM = 20;

describe('admission live checks keep to the per-registry limit', () => {
  let dir: string;
  let registry: TestRegistry;
  let hanging: Server;
  let hangingHost: string;
  const sockets = new Set<Socket>();
  let connections = 0;
  let client: RegistryClient;
  let scheduler: CheckScheduler;
  let server: AdmissionServer;
  let agent: Agent;

  type Answer = { allowed: boolean; warnings?: string[] };
  const review = (i: number, image: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: { uid: `u-${i}`, kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, operation: 'CREATE', namespace: 'shop', name: `web-${i}`, object: { spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', image }] } } } } },
      });
      const req = request({ host: '127.0.0.1', port: server.port, path: '/validate', method: 'POST', agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve((JSON.parse(Buffer.concat(chunks).toString()) as { response: Answer }).response));
      });
      req.on('error', reject);
      req.end(body);
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'admission-limits-'));
    registry = await startRegistry({ auth: 'none' });
    await registry.pushImage('shop/web', 'v1');
    hanging = createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    hangingHost = `127.0.0.1:${(hanging.address() as { port: number }).port}`;

    // Room for many connections per registry: only the scheduler's limit may hold the storm back. The
    // hanging host is HTTPS only, so each check opens one connection (no plain HTTP second try).
    client = new RegistryClient({ requestTimeoutMs: REQUEST_TIMEOUT_MS, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [registry.host], connectionsPerOrigin: 32, userAgent: 't' });
    const results = new CheckResults();
    scheduler = new CheckScheduler({ intervalMs: 60_000, retryInitialDelayMs: 1000, perRegistryConcurrency: PER_REGISTRY, globalConcurrency: 16, results, check: imageChecker(client, undefined) });
    const index = new ImageIndex(new ImageFilter([]), { unitAdded: () => {}, unitRemoved: () => {} });
    const decider = new AdmissionDecider(index, results, (unit, waitMs) => scheduler.checkNow(unit, waitMs), {
      deny: true,
      liveBudgetMs: BUDGET_MS,
      maxLiveChecks: 100,
      checkDisabled: new Set(),
      checkPods: false,
      checkJobs: false,
      extraWorkloads: [],
    });
    const ca = await createTestCa(dir);
    const cert = await issueCert(ca, 'webhook', 'server');
    const silent = createLogger('error', new Writable({ write: (_c, _e, done) => done() }));
    server = await startAdmissionServer({ host: '127.0.0.1', port: 0 }, { certFile: cert.certFile, keyFile: cert.keyFile }, decider, new AdmissionMetrics(new Registry()), silent);
    agent = new Agent({ ca: ca.caPem, keepAlive: true, maxSockets: STORM + 1 });
  }, 60_000);

  afterAll(async () => {
    agent?.destroy();
    await server?.close();
    scheduler?.stop();
    await client?.close();
    for (const socket of sockets) socket.destroy();
    if (hanging) await new Promise((resolve) => hanging.close(resolve));
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test(`a storm of ${STORM} reviews of new images on a hanging registry → at most ${PER_REGISTRY} connections to it, all admitted without a claim; another registry is still answered`, async () => {
    const storm = Array.from({ length: STORM }, (_, i) => review(i, `${hangingHost}/shop/app-${i}:v1`));
    const other = await review(STORM, `${registry.host}/shop/web:v2`);
    expect(other).toMatchObject({ allowed: false, warnings: [expect.stringContaining(`image ${registry.host}/shop/web:v2 does not exist in its registry (404)`)] });
    const answers = await Promise.all(storm);
    expect(answers.every((answer) => answer.allowed && !answer.warnings)).toBe(true);
    expect(connections).toBeGreaterThanOrEqual(1);
    expect(connections).toBeLessThanOrEqual(PER_REGISTRY);
    // The checks that found no slot within the budget are dropped, not sent once the slots free up.
    await new Promise((resolve) => setTimeout(resolve, REQUEST_TIMEOUT_MS + 1000));
    expect(connections).toBeLessThanOrEqual(PER_REGISTRY);
  }, 30_000);
});
