// One Bearer token from a registry's token server, asked for as containerd asks (the oracle): its
// dockerAuthorizer's authHandler.doBearerAuth (core/remotes/docker/authorizer.go; remotes/docker/
// authorizer.go in v1.6 and v1.7, same logic) and auth.FetchTokenWithOAuth / auth.FetchToken
// (core/remotes/docker/auth/fetch.go). A token server that answers containerd differently from
// other clients (a POST refused with 403, a POST reply without access_token) fails the pull, so
// it fails the check too. CRI-O only GETs tokens; see docs/registries.md.
import type { Credential } from '../credentials/credentials.js';
import { ProtocolError, type Reply, type Transport } from '../transport/transport.js';

/** The spec's default when the token server gives no expires_in. */
const DEFAULT_TOKEN_LIFETIME_S = 60;
/** doBearerAuth: "TODO: Allow setting client_id"; containerd sends this fixed one. */
const CONTAINERD_CLIENT_ID = 'containerd-client';

export type TokenServerAddress = { realm: string; service?: string };
export type FetchedToken = { token: string; lifetimeSeconds: number };
export type TokenMethod = 'GET' | 'POST';

/** The token server answered with a status outside 200–399 (fetch.go: NewUnexpectedStatusErr). */
export class TokenRefused extends Error {
  readonly credentialsFrom?: string;
  constructor(
    readonly httpStatus: number,
    readonly origin: string,
    readonly scope: string,
    credential: Credential | undefined,
    readonly method: TokenMethod,
  ) {
    super(`${httpStatus} from the token server ${origin} for scope ${scope}`);
    this.credentialsFrom = credential?.source;
  }
}

export function basicAuthorization(credential: Credential): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
}

/**
 * doBearerAuth: with a secret, POST the OAuth2 password grant first; when that answers 400, 401,
 * 404, or 405 (with a user name, which every credential here has), GET with Basic auth. Any
 * other refusal of the POST (403 from Harbor 1.8.5–1.9.3, 500) fails. Without a secret: GET.
 */
export async function fetchToken(
  transport: Transport,
  host: string,
  server: TokenServerAddress,
  scopes: string[],
  credential: Credential | undefined,
): Promise<FetchedToken> {
  const secret = credential && credential.password !== '' ? credential : undefined;
  if (!secret) return fetchTokenWithGet(transport, host, server, scopes, undefined);
  try {
    return await fetchTokenWithOAuth(transport, host, server, scopes, secret);
  } catch (error) {
    const status = error instanceof TokenRefused ? error.httpStatus : 0;
    // "(errStatus.StatusCode == 405 && to.Username != "") || errStatus.StatusCode == 404 || errStatus.StatusCode == 401 || errStatus.StatusCode == 400"
    const fallsBackToGet = (status === 405 && secret.username !== '') || status === 404 || status === 401 || status === 400;
    if (!fallsBackToGet) throw error;
    return fetchTokenWithGet(transport, host, server, scopes, secret);
  }
}

/** fetch.go FetchTokenWithOAuth: a form POST to the realm; the reply must carry `access_token`. */
async function fetchTokenWithOAuth(transport: Transport, host: string, server: TokenServerAddress, scopes: string[], credential: Credential): Promise<FetchedToken> {
  const url = new URL(server.realm);
  const form = new URLSearchParams();
  if (scopes.length > 0) form.set('scope', scopes.join(' '));
  form.set('service', server.service ?? '');
  form.set('client_id', CONTAINERD_CLIENT_ID);
  form.set('grant_type', 'password');
  form.set('username', credential.username);
  form.set('password', credential.password);
  const headers = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  const reply = await transport.send(host, 'token', 'POST', url, headers, true, form.toString());
  const body = acceptedBody(reply, url, scopes, credential, 'POST') as { access_token?: unknown; expires_in?: unknown };
  // OAuthTokenResponse has no `token` field: a reply with only `token` is ErrNoToken to containerd.
  if (typeof body?.access_token !== 'string' || body.access_token === '') {
    throw new ProtocolError(`token server ${url.origin} answered containerd's POST token request without an access_token, so containerd cannot pull`);
  }
  return { token: body.access_token, lifetimeSeconds: lifetimeOf(body.expires_in) };
}

/** fetch.go FetchToken: a GET with service and scope parameters; `access_token` wins over `token`. */
async function fetchTokenWithGet(transport: Transport, host: string, server: TokenServerAddress, scopes: string[], credential: Credential | undefined): Promise<FetchedToken> {
  const url = new URL(server.realm);
  if (server.service) url.searchParams.append('service', server.service);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (credential) headers.authorization = basicAuthorization(credential);
  const reply = await transport.send(host, 'token', 'GET', url, headers, true);
  const body = acceptedBody(reply, url, scopes, credential, 'GET') as { token?: unknown; access_token?: unknown; expires_in?: unknown };
  const token = typeof body?.access_token === 'string' && body.access_token !== '' ? body.access_token : body?.token;
  if (typeof token !== 'string' || token === '') throw new ProtocolError(`token server ${url.origin} answered without a token`);
  return { token, lifetimeSeconds: lifetimeOf(body.expires_in) };
}

function acceptedBody(reply: Reply, url: URL, scopes: string[], credential: Credential | undefined, method: TokenMethod): unknown {
  if (reply.status < 200 || reply.status >= 400) throw new TokenRefused(reply.status, url.origin, scopes[0], credential, method);
  try {
    return JSON.parse(reply.body ?? '');
  } catch {
    throw new ProtocolError(`token server ${url.origin} answered the ${method} token request with something that is not JSON`);
  }
}

function lifetimeOf(expiresIn: unknown): number {
  return typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : DEFAULT_TOKEN_LIFETIME_S;
}
