// The webhook listener under bad input and the decision's limits, through the real HTTPS server
// with the real image index and results. The check function here is a hand-written stand-in (a
// check that never finishes, or one that counts its calls): the registry side of the webhook is
// exercised for real in admission-webhook.test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { AdmissionDecider, MAX_UNITS_PER_REVIEW } from '../../src/admission/admission-decision.js';
import { AdmissionMetrics } from '../../src/admission/admission-metrics.js';
import { MAX_REVIEW_BYTES, startAdmissionServer, type AdmissionServer } from '../../src/admission/admission-server.js';
import { CheckResults } from '../../src/checks/results.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex, type CheckUnit } from '../../src/index/image-index.js';
import { createLogger, type Logger } from '../../src/log/log.js';
import type { CheckResult } from '../../src/registry/client.js';
import { createTestCa, issueCert, type TestCa } from '../support/test-ca.js';

type Reply = { status: number; body: string };

describe('admission webhook listener: bounds and limits', () => {
  let dir: string;
  let ca: TestCa;
  let server: AdmissionServer;
  let agent: Agent;
  let decider: AdmissionDecider;
  let silent: Logger;
  const checked: CheckUnit[] = [];
  let answer: (unit: CheckUnit) => Promise<CheckResult> = () => new Promise(() => {});

  const post = (body: string | Buffer, path = '/validate'): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path, method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const review = (kind: { group: string; kind: string }, object: unknown, oldObject?: unknown) =>
    JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u-1', kind: { ...kind, version: 'v1' }, operation: oldObject ? 'UPDATE' : 'CREATE', namespace: 'shop', name: 'web', object, oldObject } });
  const deployment = (images: string[]) => ({ metadata: { name: 'web' }, spec: { replicas: 1, template: { spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) } } } });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'admission-bounds-'));
    ca = await createTestCa(dir);
    const cert = await issueCert(ca, 'webhook', 'server');
    const index = new ImageIndex(new ImageFilter(['registry.example.com/ignored/*']), { unitAdded: () => {}, unitRemoved: () => {} });
    decider = new AdmissionDecider(index, new CheckResults(), (unit) => (checked.push(unit), answer(unit)), {
      deny: true,
      liveBudgetMs: 300,
      maxLiveChecks: 1000,
      checkDisabled: new Set(),
      checkPods: false,
      checkJobs: true,
      extraWorkloads: [],
    });
    silent = createLogger('error', new Writable({ write: (_c, _e, done) => done() }));
    server = await startAdmissionServer({ host: '127.0.0.1', port: 0 }, { certFile: cert.certFile, keyFile: cert.keyFile }, decider, new AdmissionMetrics(new Registry()), silent);
    agent = new Agent({ ca: ca.caPem, keepAlive: false });
  });

  afterAll(async () => {
    agent?.destroy();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    checked.length = 0;
    answer = () => new Promise(() => {});
  });

  test('client CA file missing → the start fails naming the setting and what to do', async () => {
    const cert = await issueCert(ca, 'webhook-2', 'server');
    const start = startAdmissionServer({ host: '127.0.0.1', port: 0 }, { certFile: cert.certFile, keyFile: cert.keyFile, clientCaFile: join(dir, 'missing-ca.pem') }, decider, new AdmissionMetrics(new Registry()), silent);
    await expect(start).rejects.toThrow(`admission webhook: --admission-client-ca-file ${join(dir, 'missing-ca.pem')} cannot be read (ENOENT): mount the file there, or correct the setting`);
  });

  test('body over the limit → 413 (or the connection cut), never parsed', async () => {
    const reply = await post(Buffer.alloc(MAX_REVIEW_BYTES + 1024, 'a')).catch((error: Error) => ({ status: 0, body: error.message }));
    expect([0, 413]).toContain(reply.status);
    expect(checked).toEqual([]);
  });

  test('not JSON → 400 naming what to send', async () => {
    const reply = await post('{"apiVersion": ');
    expect(reply.status).toBe(400);
    expect(reply.body).toContain('send an AdmissionReview admission.k8s.io/v1');
  });

  test('JSON that is not an AdmissionReview v1 → 400', async () => {
    expect((await post('[1,2]')).status).toBe(400);
    expect((await post(JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'x' } }))).body).toContain('admissionReviewVersions [v1]');
  });

  test('other paths and methods → 404 and 405', async () => {
    expect((await post('{}', '/mutate')).status).toBe(404);
    const get = await new Promise<number>((resolve, reject) => request({ host: '127.0.0.1', port: server.port, path: '/validate', agent }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject).end());
    expect(get).toBe(405);
  });

  test('a kind the exporter does not check → allowed, nothing checked', async () => {
    const reply = JSON.parse((await post(review({ group: '', kind: 'Service' }, { spec: {} }))).body);
    expect(reply.response).toEqual({ uid: 'u-1', allowed: true });
    expect(checked).toEqual([]);
  });

  test('check not finished within the budget, deny on → allowed without a warning', async () => {
    const started = Date.now();
    const reply = JSON.parse((await post(review({ group: 'apps', kind: 'Deployment' }, deployment(['registry.example.com/shop/web:v1'])))).body);
    expect(reply.response).toEqual({ uid: 'u-1', allowed: true });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('registry unavailable, deny on → allowed with a warning that does not say missing', async () => {
    answer = async () => ({ status: 'registry_unavailable', message: 'connection refused' });
    const reply = JSON.parse((await post(review({ group: 'apps', kind: 'Deployment' }, deployment(['registry.example.com/shop/web:v1'])))).body);
    expect(reply.response.allowed).toBe(true);
    expect(reply.response.warnings).toEqual([expect.stringContaining('could not be confirmed (registry_unavailable)')]);
    expect(reply.response.warnings[0]).not.toContain('does not exist');
  });

  test('ignored images are not checked; a thousand containers → at most the per-review unit limit checked', async () => {
    answer = async () => ({ status: 'available', message: 'ok' });
    await post(review({ group: 'apps', kind: 'Deployment' }, deployment(['registry.example.com/ignored/app:v1'])));
    expect(checked).toEqual([]);
    const images = Array.from({ length: 1000 }, (_, i) => `registry.example.com/shop/app-${i}:v1`);
    const reply = JSON.parse((await post(review({ group: 'apps', kind: 'Deployment' }, deployment(images)))).body);
    expect(reply.response.allowed).toBe(true);
    expect(checked).toHaveLength(MAX_UNITS_PER_REVIEW);
  });

  test('deny on: an UPDATE that keeps an absent image is warned, not refused; one that brings it in is refused', async () => {
    answer = async () => ({ status: 'absent', message: 'manifest unknown' });
    const broken = deployment(['registry.example.com/shop/web:v2']);
    const kept = JSON.parse((await post(review({ group: 'apps', kind: 'Deployment' }, broken, broken))).body);
    expect(kept.response.allowed).toBe(true);
    expect(kept.response.warnings).toEqual([expect.stringContaining('does not exist in its registry')]);
    const brought = JSON.parse((await post(review({ group: 'apps', kind: 'Deployment' }, broken, deployment(['registry.example.com/shop/web:v1'])))).body);
    expect(brought.response.allowed).toBe(false);
    expect(brought.response.status.message).toContain('registry.example.com/shop/web:v2 does not exist');
  });

  test("pull secrets are read in the review's namespace only; an object naming another namespace is not checked", async () => {
    answer = async () => ({ status: 'available', message: 'ok' });
    const object = deployment(['registry.example.com/shop/private:v1']) as ReturnType<typeof deployment> & { metadata: { namespace?: string } };
    (object.spec.template.spec as { imagePullSecrets?: Array<{ name: string }> }).imagePullSecrets = [{ name: 'prod-pull' }];
    object.metadata.namespace = 'payments';
    const reply = JSON.parse((await post(review({ group: 'apps', kind: 'Deployment' }, object))).body);
    expect(reply.response).toEqual({ uid: 'u-1', allowed: true });
    expect(checked).toEqual([]);
    object.metadata.namespace = 'shop';
    await post(review({ group: 'apps', kind: 'Deployment' }, object));
    expect(checked).toEqual([expect.objectContaining({ namespace: 'shop', pullSecrets: ['prod-pull'] })]);
  });

  test('a Deployment scaled to zero is not checked, as the exporter does not check it', async () => {
    const object = deployment(['registry.example.com/shop/web:v1']);
    object.spec.replicas = 0;
    await post(review({ group: 'apps', kind: 'Deployment' }, object));
    expect(checked).toEqual([]);
  });
});
