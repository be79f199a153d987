// Case 10: latency of an admission review for a Deployment whose image the exporter already has a
// result for (the common case: a rollout of an image already running), through the real HTTPS
// listener with its body limits, parse, the image index's unit rules and the results lookup;
// against the floor, an HTTPS server in the same process that answers every review "allowed"
// without reading it. Sequential requests over one kept-alive TLS connection, like the API server's;
// once more with the webhook requiring a client certificate (--admission-client-ca-file).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { AdmissionDecider } from '../../src/admission/admission-decision.js';
import { AdmissionMetrics } from '../../src/admission/admission-metrics.js';
import { startAdmissionServer } from '../../src/admission/admission-server.js';
import { CheckResults } from '../../src/checks/results.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { createLogger } from '../../src/log/log.js';
import { createTestCa, issueCert } from '../../test/support/test-ca.js';
import type { Row } from '../lib/report.js';
import { log, ms, percentile } from '../lib/stats.js';

const TARGET_P99_MS = 25;
const REVIEWS = 2000;
const IMAGE = 'registry.example.com/shop/web:v1';

function review(i: number): string {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: IMAGE }, { name: 'sidecar', image: IMAGE }] } };
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      operation: 'UPDATE',
      namespace: 'shop',
      name: 'web',
      dryRun: false,
      object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template } },
    },
  });
}

/** `client`: the certificate to present, for a webhook that requires one (--admission-client-ca-file). */
async function latencies(port: number, ca: string, count: number, client?: { cert: string; key: string }): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca, ...client });
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const body = review(i);
      const started = performance.now();
      const answer = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/validate', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(Buffer.concat(chunks).toString()));
        });
        req.on('error', reject);
        req.end(body);
      });
      times.push(performance.now() - started);
      if (!answer.includes('"allowed":true')) throw new Error(`admission case: unexpected answer ${answer.slice(0, 200)}`);
    }
  } finally {
    agent.destroy();
  }
  return times;
}

export async function admissionCase(count = REVIEWS): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-admission-'));
  const ca = await createTestCa(dir);
  const cert = await issueCert(ca, 'webhook', 'server');
  const index = new ImageIndex(new ImageFilter([]), { unitAdded: () => {}, unitRemoved: () => {} });
  const results = new CheckResults();
  index.upsertWorkload({ kind: 'deployment', namespace: 'shop', name: 'web', podSpec: { containers: [{ name: 'app', image: IMAGE }] } });
  for (const usage of index.usages()) results.set(usage.unit!.key, { status: 'available', message: 'ok', registry: 'registry.example.com', checkedAt: Date.now(), durationMs: 5, consecutiveFailures: 0 });
  const decider = new AdmissionDecider(index, results, () => Promise.reject(new Error('the cached image was checked live')), {
    deny: true,
    liveBudgetMs: 2000,
    maxLiveChecks: 1,
    checkDisabled: new Set(),
    checkPods: false,
    checkJobs: true,
    extraWorkloads: [],
  });
  const silent = createLogger('error', new Writable({ write: (_chunk, _encoding, done) => done() }));
  const webhook = await startAdmissionServer({ host: '127.0.0.1', port: 0 }, { certFile: cert.certFile, keyFile: cert.keyFile }, decider, new AdmissionMetrics(new Registry()), silent);
  // The same webhook requiring the API server's client certificate: what caller authentication adds.
  await mkdir(join(dir, 'client-ca'));
  const clientCa = await createTestCa(join(dir, 'client-ca'));
  const apiserverCert = await issueCert(clientCa, 'kube-apiserver', 'client');
  const client = { cert: apiserverCert.certPem, key: apiserverCert.keyPem };
  const authenticated = await startAdmissionServer(
    { host: '127.0.0.1', port: 0 },
    { certFile: cert.certFile, keyFile: cert.keyFile, clientCaFile: clientCa.caFile },
    decider,
    new AdmissionMetrics(new Registry()),
    silent,
  );
  const allowed = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'x', allowed: true } });
  const floor = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(allowed));
  });
  await new Promise<void>((resolve) => floor.listen(0, '127.0.0.1', resolve));
  try {
    const floorPort = (floor.address() as { port: number }).port;
    // Warm-up of both (TLS session, JIT), then the measured runs.
    await latencies(webhook.port, ca.caPem, 200);
    await latencies(authenticated.port, ca.caPem, 200, client);
    await latencies(floorPort, ca.caPem, 200);
    const exporter = percentile(await latencies(webhook.port, ca.caPem, count), 99);
    const withClientCert = percentile(await latencies(authenticated.port, ca.caPem, count, client), 99);
    const baseline = percentile(await latencies(floorPort, ca.caPem, count), 99);
    log(`admission: p99 ${ms(exporter)} for a cached image (${ms(withClientCert)} with a client certificate), floor ${ms(baseline)}`);
    return [
      {
        case: `10. admission review p99, cached image, ${count} sequential reviews over TLS`,
        exporter: ms(exporter),
        baseline: `${ms(baseline)} (HTTPS server answering "allowed" unread)`,
        ratio: exporter / baseline,
        target: `≤ ${TARGET_P99_MS} ms (webhook timeout 5 s)`,
        pass: exporter <= TARGET_P99_MS,
      },
      {
        case: `10. admission review p99, cached image, client certificate required, ${count} sequential reviews over TLS`,
        exporter: ms(withClientCert),
        baseline: `${ms(baseline)} (HTTPS server answering "allowed" unread)`,
        ratio: withClientCert / baseline,
        target: `≤ ${TARGET_P99_MS} ms (webhook timeout 5 s)`,
        pass: withClientCert <= TARGET_P99_MS,
      },
    ];
  } finally {
    await webhook.close();
    await authenticated.close();
    await new Promise((resolve) => floor.close(resolve));
    floor.closeAllConnections();
    await rm(dir, { recursive: true, force: true });
  }
}
