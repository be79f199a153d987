// The shape most hosted registries share (distribution docs/spec/auth/token.md): a request
// without a token that grants it is answered 401 with a Bearer challenge naming the token
// endpoint; the token endpoint issues tokens to anonymous and authenticated callers. What differs
// per product (realm path, service, token fields, the refusal's status and words, the token
// endpoint's refusals, quirks like rate limits) is the product file's, each answer cited there.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HostileServer } from '../hostile-server.js';
import { Authority, bearerToken, forward, json, route, startFront, tokenRequest, type Policy, type Route } from './front.js';

export type Refusal = { host: string; repo: string; challenge: string; tokenPresented: boolean };

export type BearerDialect = {
  /** Path of the token endpoint on the registry's own host, e.g. `/token`. */
  realmPath: string;
  service(host: string): string;
  /** The token endpoint's JSON for an issued token. */
  tokenBody(token: string): Record<string, unknown>;
  /** The token endpoint's answer to wrong credentials. */
  badCredentials(res: ServerResponse): void;
  /** The token endpoint's own refusal of valid credentials (or anonymity) for a scope, if the product refuses there; true when answered. */
  tokenRefusal?(res: ServerResponse, user: string | undefined, repos: string[], authority: Authority): boolean;
  /** The registry's answer to a manifest or blob request without a token that grants it. */
  refuse(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void;
  /** Answers a granted request in the product's own way instead of forwarding it (rate limits); true when answered. */
  quirk?(req: IncomingMessage, res: ServerResponse, route: Exclude<Route, { kind: 'ping' | 'other' }>, target: string): boolean;
  /** Whether the challenge names the scope (most do). */
  scopeInChallenge?: boolean;
  /** The token endpoint serves GET only: a POST is answered with this status (containerd asks by GET after a 404 or 405). */
  tokenGetOnly?: 404 | 405;
};

export const challengeOf = (dialect: BearerDialect, host: string, repo?: string, error?: string) =>
  `Bearer realm="http://${host}${dialect.realmPath}",service="${dialect.service(host)}"${repo && dialect.scopeInChallenge !== false ? `,scope="repository:${repo}:pull"` : ''}${error ? `,error="${error}"` : ''}`;

export function startBearerDialect(target: string, policy: Policy, dialect: BearerDialect): Promise<HostileServer> {
  const authority = new Authority(policy);
  return startFront(async (req, res, host) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname === dialect.realmPath) {
      if (dialect.tokenGetOnly && req.method === 'POST') return json(res, dialect.tokenGetOnly, { message: 'The method is not allowed for the requested URL.' });
      const asked = await tokenRequest(req, url);
      const user = authority.login(asked.credentials);
      if (user === 'refused') return dialect.badCredentials(res);
      const account = user === 'anonymous' ? undefined : user;
      const repos = asked.scopes.map((scope) => /^repository:(.+):[a-z,*]+$/.exec(scope)?.[1]).filter((repo): repo is string => !!repo);
      if (dialect.tokenRefusal?.(res, account, repos, authority)) return;
      const token = authority.issue(account, asked.scopes);
      // The OAuth2 reply to a POST carries access_token (docs/spec/auth/oauth.md; containerd's
      // FetchTokenWithOAuth requires it): no product's documentation says otherwise.
      return json(res, 200, asked.method === 'POST' ? { ...dialect.tokenBody(token), access_token: token } : dialect.tokenBody(token));
    }
    const where = route(req.url);
    const token = bearerToken(req.headers.authorization);
    if (where.kind === 'other') return forward(target, req, res);
    if (where.kind === 'ping') {
      if (token !== undefined && authority.tokenGrants(token, '') !== undefined) return forward(target, req, res);
      return dialect.refuse(req, res, { host, repo: '', challenge: challengeOf(dialect, host), tokenPresented: token !== undefined });
    }
    if (!authority.tokenGrants(token, where.repo)) return dialect.refuse(req, res, { host, repo: where.repo, challenge: challengeOf(dialect, host, where.repo), tokenPresented: token !== undefined });
    if (dialect.quirk?.(req, res, where, target)) return;
    forward(target, req, res);
  });
}
