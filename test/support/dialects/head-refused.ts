// Registries that serve a manifest's GET but not its HEAD, in front of a real registry.
import type { HostileServer } from '../hostile-server.js';
import { errors, forward, route, startFront } from './front.js';

/**
 * registry.centos.org answered a manifest's HEAD 403 while its GET worked (containerd/containerd#6684,
 * closed unmerged: containerd retries only a 405 as GET, resolver.go request.retryRequest, and
 * "we have been pretty strict in avoiding adding work arounds ... especially when dealing with 403").
 */
export function startHeadForbidden(target: string): Promise<HostileServer> {
  return startFront((req, res) => {
    if (req.method === 'HEAD' && route(req.url).kind === 'manifest') {
      res.writeHead(403, { 'docker-distribution-api-version': 'registry/2.0' });
      return void res.end();
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return errors(res, 405, 'UNSUPPORTED', 'read only');
    forward(target, req, res);
  });
}
