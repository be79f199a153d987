// The webhook's HTTPS listener, apart from the metrics port: the API server calls POST /validate
// with an AdmissionReview. Bodies are bounded (the API server's own request limit is 3 MiB), a
// request must arrive within a few seconds, and the certificate files are read again when they
// change, so a renewed certificate (cert-manager, a rotated Secret) is served without a restart.
// With a client CA, a caller without a certificate it signed is refused in the TLS handshake:
// whoever else reaches the port cannot use the exporter to probe registries with pull secrets.
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from '../http/server.js';
import type { Logger } from '../log/log.js';
import type { AdmissionDecider } from './admission-decision.js';
import type { AdmissionMetrics } from './admission-metrics.js';
import { parseReview, reviewResponse, ReviewError } from './admission-review.js';

export const MAX_REVIEW_BYTES = 3 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 10_000;
const CERT_RELOAD_MS = 60_000;
/** A refused client is logged at most this often: a scanner must not flood the log. */
const REFUSAL_LOG_MS = 60_000;

/** clientCaFile: empty or undefined, any client may call. */
export type AdmissionTls = { certFile: string; keyFile: string; clientCaFile?: string };

export type AdmissionServer = { port: number; close(): Promise<void> };

export async function startAdmissionServer(address: ListenAddress, tls: AdmissionTls, decider: AdmissionDecider, metrics: AdmissionMetrics, log: Logger): Promise<AdmissionServer> {
  let loaded = readTls(tls);
  const clientAuth = tls.clientCaFile ? { requestCert: true, rejectUnauthorized: true } : {};
  const server: Server = createServer({ ...loaded.context, ...clientAuth, maxHeaderSize: 16 * 1024, requestTimeout: REQUEST_TIMEOUT_MS }, (request, response) => {
    const started = process.hrtime.bigint();
    const done = (outcome: Parameters<AdmissionMetrics['record']>[0]) => metrics.record(outcome, Number(process.hrtime.bigint() - started) / 1e9);
    handle(request, response, decider, log).then(done, (error: unknown) => {
      log.error({ error: String(error).slice(0, 300) }, 'admission review failed: the API server goes on as failurePolicy says (Ignore: the object is admitted); please report this');
      if (!response.headersSent) plain(response, 500, 'internal error: see the exporter log\n');
      else response.destroy();
      done('error');
    });
  });
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  let lastRefusalLogged = 0;
  server.on('tlsClientError', (error) => {
    if (!tls.clientCaFile || Date.now() - lastRefusalLogged < REFUSAL_LOG_MS) return;
    lastRefusalLogged = Date.now();
    log.warn(
      { clientCaFile: tls.clientCaFile, error: String(error).slice(0, 300) },
      'admission webhook refused a TLS client (no certificate signed by the client CA, or a failed handshake): if it was the API server, give it a client certificate in the kubeconfig its AdmissionConfiguration names for the webhook',
    );
  });
  const reload = setInterval(() => {
    try {
      if (mtimes(tls) === loaded.mtimes) return;
      loaded = readTls(tls);
      server.setSecureContext(loaded.context);
      log.info({ certFile: tls.certFile, clientCaFile: tls.clientCaFile || undefined }, 'admission webhook certificate reloaded');
    } catch (error) {
      log.warn({ certFile: tls.certFile, error: String(error).slice(0, 300) }, 'admission webhook certificate could not be reloaded: the previous one is still served; check the mounted files');
    }
  }, CERT_RELOAD_MS);
  reload.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(reload);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type Outcome = Parameters<AdmissionMetrics['record']>[0];

async function handle(request: IncomingMessage, response: ServerResponse, decider: AdmissionDecider, log: Logger): Promise<Outcome> {
  const path = new URL(request.url ?? '/', 'https://webhook').pathname;
  if (path !== '/validate') {
    plain(response, 404, 'not found: the admission webhook serves POST /validate\n');
    return 'invalid';
  }
  if (request.method !== 'POST') {
    response.setHeader('allow', 'POST');
    plain(response, 405, 'method not allowed: POST an AdmissionReview to /validate\n');
    return 'invalid';
  }
  const body = await readBody(request);
  if (body === undefined) {
    plain(response, 413, `request too large: an AdmissionReview is at most ${MAX_REVIEW_BYTES} bytes\n`);
    request.resume();
    return 'invalid';
  }
  let review;
  try {
    review = parseReview(body);
  } catch (error) {
    if (!(error instanceof ReviewError)) throw error;
    plain(response, 400, `bad request: ${error.message}\n`);
    return 'invalid';
  }
  const decision = await decider.decide(review);
  if (decision.outcome === 'warned' || decision.outcome === 'denied') {
    log.info({ kind: review.kind, object: `${review.namespace}/${review.name}`, dryRun: review.dryRun, allowed: decision.allowed, warnings: decision.warnings }, 'admission review found image problems');
  }
  const text = reviewResponse(review.uid, decision);
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
  return decision.outcome;
}

/** The body as text, or undefined when it is over MAX_REVIEW_BYTES. */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const declared = Number(request.headers['content-length']);
  if (declared > MAX_REVIEW_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REVIEW_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function plain(response: ServerResponse, code: number, text: string): void {
  response.writeHead(code, { 'content-type': 'text/plain' });
  response.end(text);
}

function readTls(tls: AdmissionTls): { context: { cert: Buffer; key: Buffer; ca?: Buffer }; mtimes: string } {
  const context = {
    cert: readSetting(tls.certFile, '--admission-tls-cert-file'),
    key: readSetting(tls.keyFile, '--admission-tls-key-file'),
    ...(tls.clientCaFile ? { ca: readSetting(tls.clientCaFile, '--admission-client-ca-file') } : {}),
  };
  return { context, mtimes: mtimes(tls) };
}

function readSetting(file: string, setting: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`admission webhook: ${setting} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error).slice(0, 200)}): mount the file there, or correct the setting`);
  }
}

function mtimes(tls: AdmissionTls): string {
  return [tls.certFile, tls.keyFile, tls.clientCaFile].map((file) => (file ? statSync(file).mtimeMs : '')).join(' ');
}
