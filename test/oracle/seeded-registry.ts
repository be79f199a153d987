// The generated registry of the differential suite: one loopback server in front of distribution
// 2.8 whose answers for repository seeds/<n>/app follow planFor(n) (seed-plan.ts). It stands in for
// no product; the node's containerd pulls through the very same server, so whatever it answers,
// containerd's outcome is the truth the exporter is compared with.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basicCredentials, bearerToken, errors, forward, json, route, startFront, tokenRequest } from '../support/dialects/front.js';
import type { HostileServer } from '../support/hostile-server.js';
import { planFor, type Answer, type SeedPlan } from './seed-plan.js';

export const SEED_USER = { user: 'seed', password: 'seed-password' };
const REDIRECTED = '/redirected';

export type SeededRegistry = HostileServer & {
  /** Tells the server which blob of seed `n` is its config, the one `plan.config` applies to. */
  expectConfig(seed: number, digest: string): void;
  /** Serves pinned/<name>/app as `plan` says (the fixed rows a seed's disagreement became); its config blob is `configDigest`. */
  pin(name: string, plan: SeedPlan, configDigest: string): void;
};

/** The number of seeds/<n>/app, or of the plan pinned for pinned/<name>/app. */
const seedOf = (repo: string, pinnedNumbers: Map<string, number>) => {
  const pinned = /^pinned\/([a-z0-9-]+)\/app$/.exec(repo)?.[1];
  return pinned !== undefined ? (pinnedNumbers.get(pinned) ?? NaN) : Number(/^seeds\/(\d+)\/app$/.exec(repo)?.[1] ?? NaN);
};

export async function startSeededRegistry(target: string): Promise<SeededRegistry> {
  const configs = new Map<number, string>();
  /** Pinned plans go by negative numbers, apart from every seed. */
  const pinnedNumbers = new Map<string, number>();
  const pinnedPlans = new Map<number, SeedPlan>();
  const planOf = (seed: number) => pinnedPlans.get(seed) ?? planFor(seed);
  /** Token → the seed whose repository it may pull. */
  const tokens = new Map<string, number>();
  let issued = 0;
  const server = await startFront(async (req, res, host) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname.startsWith(REDIRECTED)) return forward(target, req, res, (h) => h, req.url!.slice(REDIRECTED.length));
    if (url.pathname === '/token') return token(req, res, url);
    const where = route(req.url);
    if (where.kind !== 'manifest' && where.kind !== 'blob') return forward(target, req, res);
    const seed = seedOf(where.repo, pinnedNumbers);
    if (Number.isNaN(seed)) return forward(target, req, res);
    const plan = planOf(seed);
    if (plan.delayMs) await new Promise((resolve) => setTimeout(resolve, plan.delayMs));
    const challenge = refusal(plan, req, host, where.repo);
    if (challenge) {
      res.writeHead(401, { 'www-authenticate': challenge, 'docker-distribution-api-version': 'registry/2.0', 'content-type': 'application/json' });
      return void res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
    }
    const answer = where.kind === 'manifest' ? (req.method === 'HEAD' ? plan.head : plan.get) : configs.get(seed) === where.reference ? plan.config : { kind: 'content' as const };
    return respond(answer, req, res, host, target);
  });

  /** The token endpoint: right credentials pull their seed, anonymous ones only where the plan says. */
  async function token(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const scope = url.searchParams.get('scope') ?? '';
    const seed = seedOf(/^repository:(.+):pull$/.exec(scope)?.[1] ?? '', pinnedNumbers);
    const plan = Number.isNaN(seed) ? undefined : planOf(seed);
    if (req.method === 'POST' && plan && plan.tokenPost !== 'oauth2') return json(res, plan.tokenPost, { errors: [{ code: 'UNSUPPORTED', message: 'use GET' }] });
    const asked = await tokenRequest(req, url);
    const askedSeed = seedOf(/^repository:(.+):pull$/.exec(asked.scopes[0] ?? '')?.[1] ?? '', pinnedNumbers);
    const askedPlan = Number.isNaN(askedSeed) ? undefined : planOf(askedSeed);
    const right = asked.credentials?.user === SEED_USER.user && asked.credentials.password === SEED_USER.password;
    if (asked.credentials && !right) return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'wrong credentials' }] });
    const value = `seed-token-${++issued}`;
    if (askedPlan && (right || askedPlan.anonymousPull)) tokens.set(value, askedSeed);
    const field = askedPlan?.tokenField ?? 'token';
    json(res, 200, { ...(field !== 'access_token' && { token: value }), ...(field !== 'token' && { access_token: value }), expires_in: 300 });
  }

  /** The challenge of a request its plan's auth refuses; undefined when it may pass. */
  function refusal(plan: SeedPlan, req: IncomingMessage, host: string, repo: string): string | undefined {
    if (plan.auth === 'none') return undefined;
    if (plan.auth === 'basic') {
      const credentials = basicCredentials(req.headers.authorization);
      return credentials?.user === SEED_USER.user && credentials.password === SEED_USER.password ? undefined : `${plan.scheme} realm="seeded"`;
    }
    const presented = bearerToken(req.headers.authorization);
    if (presented !== undefined && tokens.get(presented) === plan.seed) return undefined;
    return `${plan.scheme} realm="http://${host}/token",service="seeded",scope="repository:${repo}:pull"${presented !== undefined ? ',error="insufficient_scope"' : ''}`;
  }

  return {
    ...server,
    expectConfig: (seed, digest) => void configs.set(seed, digest),
    pin(name, plan, configDigest) {
      const number = -(pinnedNumbers.size + 1);
      pinnedNumbers.set(name, number);
      pinnedPlans.set(number, { ...plan, seed: number });
      configs.set(number, configDigest);
    },
  };
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
