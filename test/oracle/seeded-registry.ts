// The generated registries of the differential suite: for each seed a loopback server of its own
// in front of distribution 2.8, answering as its plan says (seed-plan.ts). A host per seed, as a
// real registry's answers are its own: the exporter remembers per host what a registry wants (HEAD
// refused, the auth scheme, a Retry-After pause), so seeds sharing a host would disagree through
// each other. They stand in for no product; the node's containerd pulls through the very same
// server, so whatever it answers, containerd's outcome is the truth the exporter is compared with.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basicCredentials, bearerToken, errors, forward, json, route, startFront, tokenRequest } from '../support/dialects/front.js';
import type { HostileServer } from '../support/hostile-server.js';
import type { Answer, SeedPlan } from './seed-plan.js';

export const SEED_USER = { user: 'seed', password: 'seed-password' };
const REDIRECTED = '/redirected';

export type SeededRegistries = {
  /** Starts the registry of `plan` (its config blob is `configDigest`) and returns its host, which the node already pulls from. */
  start(plan: SeedPlan, configDigest: string): Promise<string>;
  stop(): Promise<void>;
};

export function seededRegistries(target: string, nodeAllows: (host: string) => void): SeededRegistries {
  const servers: HostileServer[] = [];
  return {
    async start(plan, configDigest) {
      const server = await startSeedServer(target, plan, configDigest);
      servers.push(server);
      nodeAllows(server.host);
      return server.host;
    },
    async stop() {
      for (const server of servers.splice(0)) await server.stop();
    },
  };
}

function startSeedServer(target: string, plan: SeedPlan, configDigest: string): Promise<HostileServer> {
  const tokens = new Set<string>();
  let issued = 0;

  /** The token endpoint: right credentials pull, anonymous ones only where the plan says. */
  async function token(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'POST' && plan.tokenPost !== 'oauth2') return json(res, plan.tokenPost, { errors: [{ code: 'UNSUPPORTED', message: 'use GET' }] });
    const asked = await tokenRequest(req, url);
    const right = asked.credentials?.user === SEED_USER.user && asked.credentials.password === SEED_USER.password;
    if (asked.credentials && !right) return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'wrong credentials' }] });
    const value = `seed-token-${++issued}`;
    if (right || plan.anonymousPull) tokens.add(value);
    json(res, 200, { ...(plan.tokenField !== 'access_token' && { token: value }), ...(plan.tokenField !== 'token' && { access_token: value }), expires_in: 300 });
  }

  /** The challenge of a request the plan's auth refuses; undefined when it may pass. */
  function refusal(req: IncomingMessage, host: string, repo: string): string | undefined {
    if (plan.auth === 'none') return undefined;
    if (plan.auth === 'basic') {
      const credentials = basicCredentials(req.headers.authorization);
      return credentials?.user === SEED_USER.user && credentials.password === SEED_USER.password ? undefined : `${plan.scheme} realm="seeded"`;
    }
    const presented = bearerToken(req.headers.authorization);
    if (presented !== undefined && tokens.has(presented)) return undefined;
    return `${plan.scheme} realm="http://${host}/token",service="seeded",scope="repository:${repo}:pull"${presented !== undefined ? ',error="insufficient_scope"' : ''}`;
  }

  return startFront(async (req, res, host) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname.startsWith(REDIRECTED)) return forward(target, req, res, (h) => h, req.url!.slice(REDIRECTED.length));
    if (url.pathname === '/token') return token(req, res, url);
    const where = route(req.url);
    if (where.kind !== 'manifest' && where.kind !== 'blob') return forward(target, req, res);
    if (plan.delayMs) await new Promise((resolve) => setTimeout(resolve, plan.delayMs));
    const challenge = refusal(req, host, where.repo);
    if (challenge) {
      res.writeHead(401, { 'www-authenticate': challenge, 'docker-distribution-api-version': 'registry/2.0', 'content-type': 'application/json' });
      return void res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
    }
    const answer = where.kind === 'manifest' ? (req.method === 'HEAD' ? plan.head : plan.get) : where.reference === configDigest ? plan.config : { kind: 'content' as const };
    return respond(answer, req, res, host, target);
  });
}

/** Sends `answer`: the registry's own reply, or one changed as the plan says. */
async function respond(answer: Answer, req: IncomingMessage, res: ServerResponse, host: string, target: string): Promise<void> {
  switch (answer.kind) {
    case 'content':
      return forward(target, req, res);
    case 'status': {
      const headers: Record<string, string> = { ...(answer.versionHeader && { 'docker-distribution-api-version': 'registry/2.0' }), ...(answer.retryAfter && { 'retry-after': answer.retryAfter }) };
      if (req.method === 'HEAD' || answer.body === 'empty') {
        res.writeHead(answer.status, headers);
        return void res.end();
      }
      if (answer.body === 'html') {
        res.writeHead(answer.status, { ...headers, 'content-type': 'text/html' });
        return void res.end(`<html><body><h1>${answer.status}</h1></body></html>`);
      }
      return errors(res, answer.status, answer.code, `generated ${answer.status}`, headers);
    }
    case 'redirect':
      res.writeHead(answer.status, { location: `http://${host}${REDIRECTED}${req.url}` });
      return void res.end();
    case 'no-digest-header':
      return forward(target, req, res, ({ 'docker-content-digest': _dropped, ...rest }) => rest);
    case 'wrong-digest-header':
      return forward(target, req, res, (h) => ({ ...h, 'docker-content-digest': `sha256:${createHash('sha256').update(String(h['docker-content-digest'])).digest('hex')}` }));
    case 'content-type':
      return forward(target, req, res, ({ 'content-type': _dropped, ...rest }) => (answer.value ? { ...rest, 'content-type': answer.value } : rest));
    case 'truncated-body':
    case 'not-json-body': {
      if (req.method === 'HEAD') return forward(target, req, res);
      const upstream = await fetch(`http://${target}${req.url}`, { headers: { accept: String(req.headers.accept ?? '*/*') } });
      const body = Buffer.from(await upstream.arrayBuffer());
      const headers = Object.fromEntries(upstream.headers.entries());
      if (answer.kind === 'not-json-body') {
        const broken = Buffer.from('{"schemaVersion": 2, "mediaType": ');
        res.writeHead(upstream.status, { ...headers, 'content-length': String(broken.length) });
        return void res.end(broken);
      }
      // The length of the whole body is announced, half is sent, then the connection is cut.
      res.writeHead(upstream.status, { ...headers, 'content-length': String(body.length) });
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      return void setTimeout(() => res.destroy(), 50);
    }
  }
}
