// Harbor 2.x: its core answers /v2/ in front of distribution. Token service at /service/token,
// service `harbor-registry`; robot accounts `robot$<project>+<name>`; projects public or private.
// The registry's answers follow src/server/middleware/v2auth/auth.go (reqChecker.check, getChallenge).
import { randomBytes } from 'node:crypto';
import type { HostileServer } from '../hostile-server.js';
import { Authority, basicCredentials, bearerToken, bodyless, errors, forward, json, route, startFront, tokenRequest, type Policy } from './front.js';

export function startHarborLike(target: string, policy: Policy): Promise<HostileServer> {
  const authority = new Authority(policy);
  /** Token → the robot or user it was issued to (undefined: anonymous). Harbor's tokens carry the subject. */
  const issued = new Map<string, string | undefined>();
  const projects = new Set([...policy.anonymousPull, ...Object.values(policy.accounts).flatMap((account) => account.pull)].map((pattern) => pattern.split('/')[0]));
  return startFront(async (req, res, host) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname === '/service/token') {
      // The token service (core/service/token): wrong credentials 401 (the words are this stand-in's);
      // otherwise a token for the subject, whatever it may pull, checked per request below.
      const asked = await tokenRequest(req, url);
      const user = authority.login(asked.credentials);
      if (user === 'refused') return errors(res, 401, 'UNAUTHORIZED', 'authentication required');
      const token = randomBytes(24).toString('base64url');
      issued.set(token, user === 'anonymous' ? undefined : user);
      return json(res, 200, { token, access_token: token, expires_in: 1800, issued_at: new Date().toISOString() });
    }
    const where = route(req.url);
    if (where.kind === 'other') return forward(target, req, res);
    const header = req.headers.authorization;
    const basic = basicCredentials(header);
    const bearer = bearerToken(header);
    const login = basic ? authority.login(basic) : bearer !== undefined && issued.has(bearer) ? issued.get(bearer) : header ? 'refused' : undefined;
    // getChallenge: with an Authorization header of any kind `Basic realm="harbor"`; without, the token service's.
    const scope = where.kind === 'ping' ? '' : `,scope="repository:${where.repo}:pull"`;
    const challenge = header ? 'Basic realm="harbor"' : `Bearer realm="http://${host}/service/token",service="harbor-registry"${scope}`;
    const unauthorized = (message: string) => {
      const headers = { 'www-authenticate': challenge, 'docker-distribution-api-version': 'registry/2.0' };
      bodyless(req, res, 401, headers, () => errors(res, 401, 'UNAUTHORIZED', message, headers));
    };
    const user = login === 'refused' || login === 'anonymous' ? undefined : login;
    if (login === 'refused') return unauthorized('unauthorized');
    if (where.kind === 'ping') return user ? forward(target, req, res) : unauthorized('unauthorized');
    // "make sure 401 is returned for CLI HEAD, see #11271": a HEAD without Authorization is refused, public project or not.
    if (!header && req.method === 'HEAD') return unauthorized('authorize header needed to send HEAD to repository');
    // A project that does not exist: rc.projectID's error, sent by lib/http as 404 NOT_FOUND.
    const project = where.repo.split('/')[0];
    if (!projects.has(project)) return bodyless(req, res, 404, { 'docker-distribution-api-version': 'registry/2.0' }, () => errors(res, 404, 'NOT_FOUND', `project ${project} not found`));
    // "unauthorized to access repository: %s, action: %s", 401 UNAUTHORIZED (goharbor/harbor#17713 shows it reaching the client).
    if (!authority.mayPull(user, where.repo)) return unauthorized(`unauthorized to access repository: ${where.repo}, action: pull`);
    forward(target, req, res);
  });
}
