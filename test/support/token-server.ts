// Hand-written stand-in for a Docker registry token server: distribution ships no token
// server, only the verifying side. This implements the part of the token auth spec that clients
// use: `GET /token?service=…&scope=…` with optional Basic auth (docs/spec/auth/token.md), and the
// OAuth2 password grant `POST /token` (docs/spec/auth/oauth.md) that containerd tries first when
// it has credentials, answering a JWT that distribution 2.8 accepts.
//
// What distribution 2.8 checks in the JWT (registry/auth/token/token.go): the `x5c` chain
// must verify against `rootcertbundle`, `iss` must equal `auth.token.issuer`, `aud` must
// equal `auth.token.service` (a plain string in 2.8), and exp/nbf are checked with 60 s of
// leeway, so a token stays usable at the registry up to a minute past `expires_in`.
import { randomUUID, sign, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface ResourceActions {
  type: string;
  name: string;
  actions: string[];
}

/** A user may do `actions` on repositories whose name matches `pattern` (`*` = any run of characters, `/` included). */
export interface Grant {
  pattern: string;
  actions: string[];
}

export interface TokenServerOptions {
  service: string;
  issuer: string;
  /** PEM private key (P-256) matching `signingCertPem`; tokens are ES256. */
  signingKeyPem: string;
  signingCertPem: string;
  users: Record<string, string>;
  grants: Record<string, Grant[]>;
  /** What anonymous requests get: a token limited to `anonymousGrants` (default), or 401. */
  anonymous?: 'token' | 'reject';
  anonymousGrants?: Grant[];
  responseField?: 'token' | 'access_token' | 'both';
  /** Seconds (default 300). The spec asks for at least 60 for old clients; shorter is allowed here to test refresh. */
  expiresIn?: number;
  /** Refuse (400) requests with more `scope` parameters than this, as some token servers do. Default: no limit. */
  maxScopes?: number;
  /**
   * How a POST (the OAuth2 password grant) is answered. 'oauth2' (default): as the spec says, with
   * `access_token`. 'not-allowed': 405, as GET-only token servers answer (containerd's
   * authorizer.go falls back to GET on it). 'forbidden': 403, as Harbor 1.8.5–1.9.3 answered
   * containerd's POST (its XSRF check; goharbor/harbor#10305, containerd PR #3913).
   * 'token-field': 200 with `token` and no `access_token`, the reply fetch.go's
   * FetchTokenWithOAuth rejects with ErrNoToken (what a GET-style reply to a POST looks like).
   */
  post?: 'oauth2' | 'not-allowed' | 'forbidden' | 'token-field';
  /**
   * Users whose valid credentials are answered 403 DENIED "access forbidden", as GitLab's token
   * endpoint answers an account that may not use the registry at all
   * (Auth::ContainerRegistryAuthenticationService).
   */
  forbidden?: string[];
  /** Serve HTTPS with this key pair instead of HTTP. */
  tls?: { keyPem: string; certPem: string };
}

export type TokenResult = 'issued' | 'bad-credentials' | 'anonymous-rejected' | 'bad-request' | 'forbidden';

export interface TokenRequest {
  method: 'GET' | 'POST';
  /** Basic-auth user name; undefined for anonymous requests. */
  account?: string;
  service?: string;
  /** The raw `scope` parameters, e.g. `repository:team/app:pull`. */
  scopes: string[];
  status: number;
  result: TokenResult;
  /** The `access` claim of the issued token (empty when nothing was granted). */
  access: ResourceActions[];
}

export interface TokenServer {
  /** The realm to configure in the registry: `http(s)://127.0.0.1:PORT/token`. */
  readonly realm: string;
  requests(): TokenRequest[];
  resetRequests(): void;
  /** Sign a token without an HTTP round trip (and without logging it). */
  mint(subject: string, access: ResourceActions[]): string;
  stop(): Promise<void>;
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const log: TokenRequest[] = [];
  const expiresIn = options.expiresIn ?? 300;
  const x5c = [new X509Certificate(options.signingCertPem).raw.toString('base64')];

  const mint = (subject: string, access: ResourceActions[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c };
    const claims = {
      iss: options.issuer, sub: subject, aud: options.service,
      exp: now + expiresIn, nbf: now, iat: now, jti: randomUUID(), access,
    };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    // JWS wants the raw r||s signature, not DER.
    const signature = sign('sha256', Buffer.from(input), { key: options.signingKeyPem, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    if (url.pathname !== '/token') return json(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'only /token is served' }] });
    if (req.method === 'GET') return answer(res, 'GET', url.searchParams, parseBasic(req.headers.authorization));
    if (req.method !== 'POST') return json(res, 405, { errors: [{ code: 'UNSUPPORTED', message: 'use GET or POST' }] });
    const post = options.post ?? 'oauth2';
    if (post === 'not-allowed') return json(res, 405, { errors: [{ code: 'UNSUPPORTED', message: 'use GET' }] });
    if (post === 'forbidden') return json(res, 403, { code: 403, message: 'Forbidden' });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      // The spec's scope is one space-delimited parameter; the log keeps one entry per scope.
      const params = new URLSearchParams();
      for (const scope of (form.get('scope') ?? '').split(' ').filter(Boolean)) params.append('scope', scope);
      if (form.get('service')) params.set('service', form.get('service')!);
      const grant = form.get('grant_type');
      const credentials = grant === 'password' ? { user: form.get('username') ?? '', password: form.get('password') ?? '' } : 'malformed';
      answer(res, 'POST', params, credentials);
    });
  };

  const answer = (
    res: ServerResponse,
    method: 'GET' | 'POST',
    params: URLSearchParams,
    credentials: { user: string; password: string } | 'malformed' | undefined,
  ): void => {
    const scopes = params.getAll('scope');
    const service = params.get('service') ?? undefined;
    const entry = (account: string | undefined, status: number, result: TokenResult, access: ResourceActions[] = []): void => {
      log.push({ method, account, service, scopes, status, result, access });
    };

    if (options.maxScopes !== undefined && scopes.length > options.maxScopes) {
      entry(undefined, 400, 'bad-request');
      return json(res, 400, { errors: [{ code: 'UNSUPPORTED', message: `at most ${options.maxScopes} scope parameters` }] });
    }
    if (credentials === 'malformed') {
      entry(undefined, 400, 'bad-request');
      return json(res, 400, { errors: [{ code: 'UNSUPPORTED', message: 'malformed credentials' }] });
    }
    if (credentials && options.users[credentials.user] !== credentials.password) {
      entry(credentials.user, 401, 'bad-credentials');
      res.setHeader('WWW-Authenticate', `Basic realm="${options.issuer}"`);
      return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'incorrect username or password' }] });
    }
    if (!credentials && options.anonymous === 'reject') {
      entry(undefined, 401, 'anonymous-rejected');
      res.setHeader('WWW-Authenticate', `Basic realm="${options.issuer}"`);
      return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
    }
    if (credentials && options.forbidden?.includes(credentials.user)) {
      entry(credentials.user, 403, 'forbidden');
      return json(res, 403, { errors: [{ code: 'DENIED', message: 'access forbidden' }] });
    }

    const grants = credentials ? options.grants[credentials.user] ?? [] : options.anonymousGrants ?? [];
    // Like real token servers, an unauthorized scope is not an error: it is left out of
    // the token, and the registry then refuses the request.
    const access = scopes.map(parseScope).filter((s): s is ResourceActions => s !== undefined)
      .map((s) => ({ ...s, actions: allowedActions(grants, s) }))
      .filter((s) => s.actions.length > 0);
    const token = mint(credentials?.user ?? '', access);
    entry(credentials?.user, 200, 'issued', access);
    const field = method === 'POST' ? (options.post === 'token-field' ? 'token' : 'access_token') : options.responseField ?? 'token';
    json(res, 200, {
      ...(field !== 'access_token' && { token }),
      ...(field !== 'token' && { access_token: token }),
      expires_in: expiresIn,
      issued_at: new Date().toISOString(),
      ...(method === 'POST' && { scope: scopes.join(' ') }),
    });
  };

  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.keyPem, cert: options.tls.certPem }, handle)
    : createHttpServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    realm: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/token`,
    requests: () => log.map((r) => ({ ...r })),
    resetRequests: () => void log.splice(0),
    mint,
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** `repository:team/app:pull,push` → { type, name, actions }; the name may itself contain `:`. */
export function parseScope(scope: string): ResourceActions | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope.slice(last + 1).split(',').filter(Boolean),
  };
}

function allowedActions(grants: Grant[], requested: ResourceActions): string[] {
  if (requested.type !== 'repository') return [];
  const allowed = new Set(grants.filter((g) => globMatch(g.pattern, requested.name)).flatMap((g) => g.actions));
  if (requested.actions.includes('*')) return [...allowed];
  return requested.actions.filter((a) => allowed.has(a));
}

function globMatch(pattern: string, name: string): boolean {
  const re = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${re}$`).test(name);
}

function parseBasic(header: string | undefined): { user: string; password: string } | 'malformed' | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+(\S+)$/i.exec(header);
  if (!match) return 'malformed';
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}
