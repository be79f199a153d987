// Registries that fail the way networks and servers fail, for the failure rows of the differential
// suite. They stand in for no product: what matters is that the node's containerd pulls from the
// very same server, so its outcome is the truth the exporter's verdict is compared with, whatever
// these servers get wrong. Each is plain HTTP on a loopback port.
import type { ServerResponse } from 'node:http';
import { startHostileServer, type HostileServer } from '../support/hostile-server.js';

const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
/** A dripping body stops after this long, so no server of the suite outlives it. */
const DRIP_LIMIT_MS = 10 * 60_000;

function errors(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ errors: [{ code, message }] });
  res.writeHead(status, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0', ...headers });
  res.end(body);
}

/** Accepts connections and reads requests, never answers. */
export const startHungServer = (): Promise<HostileServer> => startHostileServer(() => {});

/** 500 to everything, with distribution's error body (registry/api/errcode: UNKNOWN). */
export const startInternalErrorServer = (): Promise<HostileServer> => startHostileServer((_req, res) => errors(res, 500, 'UNKNOWN', 'unknown error'));

/** 502 with an HTML page, as a reverse proxy answers when the registry behind it is down. */
export const startBadGatewayServer = (): Promise<HostileServer> =>
  startHostileServer((_req, res) => {
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>');
  });

/** 429 TOOMANYREQUESTS with Retry-After, the form of Docker Hub's pull rate limit (docs.docker.com/docker-hub/usage/). */
export const startRateLimitedServer = (): Promise<HostileServer> =>
  startHostileServer((_req, res) => errors(res, 429, 'TOOMANYREQUESTS', 'You have reached your pull rate limit.', { 'retry-after': '30' }));

/** 307 to the same path on another host, as registries that hand content to a storage front do. */
export const startRedirectServer = (target: string): Promise<HostileServer> =>
  startHostileServer((req, res) => {
    res.writeHead(307, { location: `http://${target}${req.url ?? '/'}` });
    res.end();
  });

/**
 * /v2/ answers; a manifest's HEAD answers 200 without Docker-Content-Digest, so a client must GET
 * it, and the GET's body drips a few bytes every 100 ms and never ends.
 */
export const startEndlessBodyServer = (): Promise<HostileServer> =>
  startHostileServer((req, res) => {
    if (!req.url?.includes('/manifests/')) {
      res.writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
      return void res.end('{}');
    }
    res.writeHead(200, { 'content-type': MANIFEST_TYPE, 'docker-distribution-api-version': 'registry/2.0' });
    if (req.method === 'HEAD') return void res.end();
    res.write('{"schemaVersion":2,"mediaType":"');
    const started = Date.now();
    const timer = setInterval(() => {
      if (res.destroyed || Date.now() - started > DRIP_LIMIT_MS) {
        clearInterval(timer);
        return void res.destroy();
      }
      res.write('          ');
    }, 100);
    res.on('close', () => clearInterval(timer));
  });
