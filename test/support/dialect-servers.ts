// Hand-written stand-ins for registries whose answers the CNCF distribution registry cannot give
// (they are other products, or older versions). Each answers only what the tests need, and next
// to each answer is the public source that says the real service answers so. Where a real
// registry can serve the content, the stand-in forwards to it.
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { startHostileServer, type HostileServer } from './hostile-server.js';

/**
 * In front of a real registry: HEAD on a manifest answers 405, everything else is forwarded. The
 * distribution registry before v2.3.0 answered so (distribution/distribution#1485: "If I try to
 * HEAD a manifest, I get an error MethodNotAllowed: 405"; #1911: HEAD came in v2.3.0), and
 * containerd retries such a HEAD as GET (resolver.go, request.retryRequest).
 */
export function startHeadNotAllowed(target: string): Promise<HostileServer> {
  return startHostileServer((req, res) => {
    if (req.method === 'HEAD' && req.url?.includes('/manifests/')) return plain(res, 405, '');
    forward(target, req, res);
  });
}

export type GiteaUser = { password: string; token: string; repositories: string[] };

/**
 * Gitea's container registry, for a user whose valid credentials may not pull a repository.
 * Without credentials: 401 `Bearer realm="<app>/v2/token",service="container_registry",scope="*"`,
 * no `error=` (routers/api/packages/container/container.go, APIUnauthorizedError). Its token
 * endpoint is GET /v2/token and answers `{"token": …}` to any valid user (Authenticate; POST is
 * not routed in the version this stand-in was written from: 405; 1.27.3 answers 404 from
 * AuthenticateNotImplemented; containerd falls back to GET on both). A
 * signed-in user without read access to the package owner gets 401 `Basic realm="Gitea Package
 * API"` (routers/api/packages/api.go, reqPackageAccess, still so in 1.27.3), whether signed in by
 * token or Basic. The real Gitea runs in the differential suite (test/support/gitea-registry.ts).
 */
export function startGiteaLike(users: Record<string, GiteaUser>, digest: string): Promise<HostileServer> {
  return startHostileServer((req, res, host) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname === '/v2/token') {
      if (req.method !== 'GET') return plain(res, 405, 'Method Not Allowed');
      const user = basicUser(req.headers.authorization, users);
      if (req.headers.authorization && !user) return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: '' }] });
      return json(res, 200, { token: user?.token ?? 'gitea-anonymous-token' });
    }
    const repository = /^\/v2\/(.+)\/manifests\/[^/]+$/.exec(url.pathname)?.[1];
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const user = Object.values(users).find((candidate) => candidate.token === bearer) ?? basicUser(req.headers.authorization, users);
    if (!user) {
      res.setHeader('WWW-Authenticate', `Bearer realm="http://${host}/v2/token",service="container_registry",scope="*"`);
      return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: '' }] });
    }
    if (!repository || !user.repositories.includes(repository)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Gitea Package API"');
      return plain(res, 401, 'user should have specific permission or be a site admin');
    }
    res.setHeader('Docker-Content-Digest', digest);
    res.setHeader('Docker-Distribution-Api-Version', 'registry/2.0');
    return plain(res, 200, '', 'application/vnd.oci.image.manifest.v1+json');
  });
}

/**
 * Amazon ECR with a pull secret whose authorization token has expired: Basic challenge, and 403
 * `DENIED` "Your authorization token has expired. Reauthenticate and try again." (aws/aws-cli#6580,
 * amazon-ecr-credential-helper#118); a HEAD carries no body, a GET does.
 */
export function startEcrExpired(): Promise<HostileServer> {
  return startHostileServer((req, res, host) => {
    if (!req.headers.authorization) {
      res.setHeader('WWW-Authenticate', `Basic realm="https://${host}/",service="ecr.amazonaws.com"`);
      return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'Not Authorized' }] });
    }
    if (req.method === 'HEAD') return plain(res, 403, '');
    return json(res, 403, { errors: [{ code: 'DENIED', message: 'Your authorization token has expired. Reauthenticate and try again.' }] });
  });
}

function basicUser(header: string | undefined, users: Record<string, GiteaUser>): GiteaUser | undefined {
  const encoded = /^Basic (.+)$/.exec(header ?? '')?.[1];
  if (!encoded) return undefined;
  const [name, ...rest] = Buffer.from(encoded, 'base64').toString('utf8').split(':');
  const user = users[name];
  return user && user.password === rest.join(':') ? user : undefined;
}

function forward(target: string, req: IncomingMessage, res: ServerResponse): void {
  const upstream = httpRequest({ host: '127.0.0.1', port: Number(target.split(':')[1]), method: req.method, path: req.url, headers: { ...req.headers, host: target } }, (reply) => {
    res.writeHead(reply.statusCode ?? 502, reply.headers);
    reply.pipe(res);
  });
  upstream.on('error', () => plain(res, 502, 'upstream failed'));
  req.pipe(upstream);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.setHeader('Docker-Distribution-Api-Version', 'registry/2.0');
  plain(res, status, JSON.stringify(body), 'application/json');
}

function plain(res: ServerResponse, status: number, body: string, type = 'text/plain'): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.end(body);
}
