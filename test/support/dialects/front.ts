// What every registry dialect of this directory shares: a loopback HTTP server in front of a real
// distribution registry (no auth) that answers auth, errors and quirks in one product's words and
// forwards the rest, so content always comes from the real registry; accounts and the tokens it
// issues; the request's route. The per-product files cite where each answer comes from.
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { startHostileServer, type HostileServer } from '../hostile-server.js';

/** A user's password and the repositories it may pull (`team/*` is a prefix, anything else exact). */
export type Account = { password: string; pull: string[] };
export type Policy = { accounts: Record<string, Account>; anonymousPull: string[] };

export type Route =
  | { kind: 'ping' }
  | { kind: 'manifest' | 'blob'; repo: string; reference: string }
  | { kind: 'other'; path: string };

/** Forms bigger than this are not read: a dialect server answers tests, not the world. */
const MAX_FORM_BYTES = 64 * 1024;

export const matches = (patterns: string[], repo: string) => patterns.some((pattern) => (pattern.endsWith('/*') ? repo.startsWith(pattern.slice(0, -1)) : pattern === repo));

export function route(url: string | undefined): Route {
  const path = new URL(url ?? '/', 'http://front.invalid').pathname;
  if (path === '/v2/' || path === '/v2') return { kind: 'ping' };
  const found = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
  if (!found) return { kind: 'other', path };
  return { kind: found[2] === 'manifests' ? 'manifest' : 'blob', repo: found[1], reference: found[3] };
}

export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const encoded = /^basic\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (!encoded) return undefined;
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

export const bearerToken = (header: string | undefined) => /^bearer\s+(\S+)$/i.exec(header ?? '')?.[1];

/** Who presented what, under one product's accounts. */
export class Authority {
  private readonly tokens = new Map<string, { user?: string; repos: Set<string> }>();
  constructor(readonly policy: Policy) {}

  /** 'anonymous' without credentials, the user name when they are right, 'refused' otherwise. */
  login(credentials: { user: string; password: string } | undefined): string | 'anonymous' | 'refused' {
    if (!credentials) return 'anonymous';
    return this.policy.accounts[credentials.user]?.password === credentials.password ? credentials.user : 'refused';
  }

  mayPull(user: string | undefined, repo: string): boolean {
    return matches(this.policy.anonymousPull, repo) || (user !== undefined && matches(this.policy.accounts[user]?.pull ?? [], repo));
  }

  /** A token granting pull on the scopes' repositories the user may pull (none: a token with no access, as token servers issue). */
  issue(user: string | undefined, scopes: string[]): string {
    const repos = new Set(scopes.map((scope) => /^repository:(.+):[a-z,*]+$/.exec(scope)?.[1]).filter((repo): repo is string => !!repo && this.mayPull(user, repo)));
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { user, repos });
    return token;
  }

  /** undefined: no such token; otherwise whether it grants pull on the repository. */
  tokenGrants(token: string | undefined, repo: string): boolean | undefined {
    const grant = token === undefined ? undefined : this.tokens.get(token);
    return grant && grant.repos.has(repo);
  }
}

/** A token request as containerd makes it: GET with Basic credentials, or the OAuth2 password grant POST (distribution docs/spec/auth/oauth.md). */
export async function tokenRequest(req: IncomingMessage, url: URL): Promise<{ method: string; credentials?: { user: string; password: string }; scopes: string[] }> {
  if (req.method !== 'POST') return { method: 'GET', credentials: basicCredentials(req.headers.authorization), scopes: url.searchParams.getAll('scope').flatMap((scope) => scope.split(' ')) };
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_FORM_BYTES) break;
  }
  const form = new URLSearchParams(body);
  const username = form.get('username');
  const credentials = username !== null ? { user: username, password: form.get('password') ?? '' } : basicCredentials(req.headers.authorization);
  return { method: 'POST', credentials, scopes: (form.get('scope') ?? '').split(' ').filter(Boolean) };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** distribution's error body (docs/spec/api.md, "Errors"), with the API version header registries send. */
export function errors(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}, detail?: unknown): void {
  json(res, status, { errors: [{ code, message, ...(detail !== undefined && { detail }) }] }, { 'docker-distribution-api-version': 'registry/2.0', ...headers });
}

/** A HEAD carries no body (RFC 9110 9.3.2); the same status and headers. */
export function bodyless(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, write: () => void): void {
  if (req.method !== 'HEAD') return write();
  res.writeHead(status, headers);
  res.end();
}

/** Sends the request on to the real registry (credentials left out: it has no auth) and its answer back, headers changed by `headers`. */
export function forward(target: string, req: IncomingMessage, res: ServerResponse, headers: (upstream: IncomingMessage['headers']) => IncomingMessage['headers'] = (h) => h, path = req.url): void {
  const { authorization: _dropped, ...sent } = req.headers;
  const upstream = httpRequest({ host: '127.0.0.1', port: Number(target.split(':')[1]), method: req.method, path, headers: { ...sent, host: target } }, (reply) => {
    res.writeHead(reply.statusCode ?? 502, headers(reply.headers));
    reply.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) errors(res, 502, 'UNKNOWN', 'the registry behind this front did not answer');
    else res.destroy();
  });
  req.pipe(upstream);
}

/** A front that answers with `handler`, which forwards to `target` what it does not answer itself. */
export function startFront(handler: (req: IncomingMessage, res: ServerResponse, host: string) => void | Promise<void>): Promise<HostileServer> {
  return startHostileServer((req, res, host) => {
    Promise.resolve(handler(req, res, host)).catch(() => {
      if (!res.headersSent) errors(res, 500, 'UNKNOWN', 'the dialect server failed');
      else res.destroy();
    });
  });
}
