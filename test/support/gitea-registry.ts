// Gitea's container registry (code.gitea.io/gitea, built by test/registries/build.sh), a registry
// with access rules of its own: images live under an owner (/v2/<owner>/<image>); every request
// needs a token from its own endpoint (GET /v2/token: Basic credentials or a personal access token
// in, a token out; POST answered 404); anonymous requests get a token of its "ghost" user, which may
// read public owners only; a private or limited owner's images need a user who may read them.
// SQLite in a temporary directory, plain HTTP on a loopback port, stopped by its own PID.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';
import { HARNESS_USER_AGENT } from './image-push.js';
import { freePort, runAsync, stopChild } from './processes.js';
import { GITEA_STATIC, implementationBinary, missingImplementation, type RunningImplementation } from './registry-implementations.js';

/**
 * The accounts of the bed. `ref` and `man` own the content rows' repositories (public users);
 * `hidden` is a private user, `inner` a private organization and `members` a limited one (visible
 * to signed-in users), both owned by `insider`; `outsider` may read only what is public,
 * `restricted` is a restricted user (limited owners are hidden from it), `locked` may not sign in.
 */
export const GITEA_USERS = ['ref', 'man', 'hidden', 'outsider', 'insider', 'restricted', 'locked'] as const;
export type GiteaUser = (typeof GITEA_USERS)[number];
export const GITEA_ORGS = { inner: 'private', members: 'limited' } as const;

export type GiteaRegistry = RunningImplementation & {
  password(user: GiteaUser): string;
  /** Personal access tokens of `hidden`: one that may read packages, one that may only read the user. */
  tokens: { readPackage: string; readUserOnly: string };
};

const ADMIN = { username: 'oracle-admin', password: 'oracle-admin-password' };
const READY_TIMEOUT_MS = 60_000;
const password = (user: string) => `${user}-password`;

function appIni(dir: string, port: number): string {
  const runAsRoot = userInfo().uid === 0;
  return `APP_NAME = differential suite
RUN_USER = ${userInfo().username}
RUN_MODE = prod
WORK_PATH = ${dir}
${runAsRoot ? '; The suite runs as root (its node runs containers); Gitea refuses that unless told.\nI_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true\n' : ''}
[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = ${port}
DOMAIN = 127.0.0.1
ROOT_URL = http://127.0.0.1:${port}/
APP_DATA_PATH = ${join(dir, 'data')}
STATIC_ROOT_PATH = ${GITEA_STATIC}
DISABLE_SSH = true
START_SSH_SERVER = false
OFFLINE_MODE = true
LFS_START_SERVER = false

[database]
DB_TYPE = sqlite3
PATH = ${join(dir, 'data', 'gitea.db')}
SQLITE_JOURNAL_MODE = WAL
SQLITE_TIMEOUT = 10000

[security]
INSTALL_LOCK = true
SECRET_KEY = ${randomBytes(32).toString('hex')}
INTERNAL_TOKEN = ${randomBytes(32).toString('hex')}
; Every Basic-authenticated token request hashes the password: the cheapest of Gitea's own choices keeps the shared cores free.
PASSWORD_HASH_ALGO = pbkdf2_v1

[oauth2]
ENABLED = false
; Gitea writes a JWT secret into this file unless it has one.
JWT_SECRET = ${randomBytes(32).toString('base64url')}

[service]
DISABLE_REGISTRATION = true
DEFAULT_KEEP_EMAIL_PRIVATE = true

[packages]
ENABLED = true

[mailer]
ENABLED = false

[session]
PROVIDER = memory

[cache]
ADAPTER = memory

[indexer]
ISSUE_INDEXER_TYPE = db
REPO_INDEXER_ENABLED = false

[cron]
ENABLED = false

[cron.update_checker]
ENABLED = false

[repository]
ROOT = ${join(dir, 'repositories')}

[log]
MODE = console
LEVEL = Info
`;
}

export async function startGitea(): Promise<GiteaRegistry> {
  const missing = missingImplementation('gitea');
  if (missing) throw new Error(missing);
  const binary = implementationBinary('gitea');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const dir = await mkdtemp(join(tmpdir(), 'iae-gitea-'));
  await mkdir(join(dir, 'data'));
  const config = join(dir, 'app.ini');
  await writeFile(config, appIni(dir, port));
  // Gitea reads GITEA_* variables (work path, custom path, config overrides); keep ours authoritative.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GITEA')));
  const gitea = (args: string[]) => runAsync(binary, ['--config', config, '--work-path', dir, ...args], { env, cwd: dir, timeoutMs: READY_TIMEOUT_MS });
  const cleanup = () => rm(dir, { recursive: true, force: true });
  // The first site admin can only be made from the command line; the database is made first.
  for (const args of [['migrate'], ['admin', 'user', 'create', '--admin', '--username', ADMIN.username, '--password', ADMIN.password, '--email', `${ADMIN.username}@example.invalid`, '--must-change-password=false']]) {
    const result = await gitea(args);
    if (result.code !== 0) {
      await cleanup();
      throw new Error(`gitea ${args.slice(0, 3).join(' ')} failed (${result.code}):\n${result.output.slice(-4000)}`);
    }
  }
  // setpriv: the kernel kills Gitea when this process dies, however it dies.
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', binary, '--config', config, '--work-path', dir, 'web'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => (output = `${output}${line}\n`.slice(-20_000)));
  }
  const agent = new Agent();
  const stop = async () => {
    await stopChild(child, 5000);
    await agent.close();
    await cleanup();
  };
  const api = async (method: 'GET' | 'POST' | 'PATCH', path: string, as: { username: string; password: string }, body?: object): Promise<unknown> => {
    const res = await request(`http://${host}${path}`, {
      method,
      dispatcher: agent,
      headers: { 'user-agent': HARNESS_USER_AGENT, authorization: `Basic ${Buffer.from(`${as.username}:${as.password}`).toString('base64')}`, ...(body && { 'content-type': 'application/json' }) },
      body: body && JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`gitea ${method} ${path}: ${res.statusCode} ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : undefined;
  };
  try {
    await untilReady(`http://${host}/api/healthz`, () => child.exitCode !== null, () => output);
    const admin = ADMIN;
    for (const user of GITEA_USERS) {
      const visibility = user === 'hidden' ? 'private' : 'public';
      await api('POST', '/api/v1/admin/users', admin, { username: user, password: password(user), email: `${user}@example.invalid`, must_change_password: false, visibility, restricted: user === 'restricted' });
    }
    await api('PATCH', '/api/v1/admin/users/locked', admin, { prohibit_login: true });
    for (const [org, visibility] of Object.entries(GITEA_ORGS)) await api('POST', '/api/v1/admin/users/insider/orgs', admin, { username: org, visibility });
    const hidden = { username: 'hidden', password: password('hidden') };
    const readPackage = (await api('POST', '/api/v1/users/hidden/tokens', hidden, { name: 'read-package', scopes: ['read:package'] })) as { sha1: string };
    const readUserOnly = (await api('POST', '/api/v1/users/hidden/tokens', hidden, { name: 'read-user', scopes: ['read:user'] })) as { sha1: string };
    // The harness pushes as the site admin (who may write to every owner) with a token from the registry's own endpoint.
    const pushToken = ((await api('GET', '/v2/token?service=container_registry', admin)) as { token: string }).token;
    return {
      name: 'gitea',
      host,
      pushTarget: { url: `http://${host}`, dispatcher: agent, authorization: async () => `Bearer ${pushToken}` },
      output: () => output,
      stop,
      password: (user) => password(user),
      tokens: { readPackage: readPackage.sha1, readUserOnly: readUserOnly.sha1 },
    };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\ngitea's output:\n${output.slice(-4000)}`);
  }
}

async function untilReady(url: string, exited: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited()) throw new Error('gitea exited at start');
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`gitea did not answer ${url} within ${READY_TIMEOUT_MS} ms:\n${output().slice(-2000)}`);
}
