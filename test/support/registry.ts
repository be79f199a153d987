// A real CNCF distribution registry (Debian's docker-registry 2.8) started by a test, in
// one of three auth modes, optionally behind TLS from a throwaway CA.
//
// What distribution 2.8.2 answers (pinned by test/integration/registry-harness.test.ts):
// - missing tag, or a repository that was never pushed: 404 MANIFEST_UNKNOWN on
//   /manifests/ (NAME_UNKNOWN only comes from /tags/list).
// - htpasswd, no or wrong credentials: 401 UNAUTHORIZED,
//   `WWW-Authenticate: Basic realm="<realm>"`.
// - token, no token (or Basic credentials): 401 UNAUTHORIZED,
//   `WWW-Authenticate: Bearer realm="<realm>",service="<service>",scope="repository:<repo>:pull"`
//   (on /v2/ itself without the scope).
// - token whose access claim lacks the repository (user without a grant, anonymous):
//   also 401 (not 403), the same challenge plus `error="insufficient_scope"`.
// - malformed or badly signed token: 401, the same challenge plus `error="invalid_token"`.
// - token server (token-server.ts), wrong password: 401 UNAUTHORIZED, `WWW-Authenticate: Basic`.
// - Accept matters when fetching by tag: a docker schema2 manifest asked for without the
//   schema2 type comes back converted to signed schema1 (other digest); a docker manifest
//   list without the list type, as the schema1 of its linux/amd64 child; an OCI manifest or
//   index without its OCI type is 404 MANIFEST_UNKNOWN ("OCI manifest found, but accept
//   header does not support OCI manifests").
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import * as push from './image-push.js';
import type { Platform } from './image-content.js';
import { freePort } from './processes.js';
import { RegistryProcess, StartupError } from './registry-process.js';
import type { RegistryOptions, RegistryRequest, TestRegistry } from './registry-types.js';
import { createTestCa, issueCert } from './test-ca.js';
import { startTokenServer, type TokenRequest, type TokenServer, type TokenServerOptions } from './token-server.js';

export type { TokenRequest } from './token-server.js';
export type { RegistryOptions, RegistryRequest, TestRegistry } from './registry-types.js';
export type { PushedIndex } from './image-push.js';
export { MediaType, type Platform } from './image-content.js';

const ADMIN = 'harness-admin';
const SERVICE = 'k8s-iae-test-registry';
const ISSUER = 'k8s-iae-test-token-issuer';
const HTPASSWD_REALM = 'k8s-iae-test-registry';
const SYNC_QUERY = 'harness-sync';
// `"GET /v2/ HTTP/1.1" 200 2 "" "curl/7.88.1"` (gorilla/handlers combined log format)
const ACCESS_LOG_LINE = /"(\S+) (\S+) [^"]*" (\d{3}) \S+ "[^"]*" "(.*)"$/;

// Last resort for a caller that never calls stop(): temporary directories go with the
// process. Only effective outside jest (see the note in registry-process.ts).
const liveDirs = new Set<string>();
let exitHookInstalled = false;
function trackDir(dir: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => { for (const d of liveDirs) rmSync(d, { recursive: true, force: true }); });
  }
  liveDirs.add(dir);
}

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'k8s-iae-registry-'));
  trackDir(dir);
  const registry = new Registry(options.auth ?? 'none', dir);
  try {
    await registry.init(options);
    return registry;
  } catch (err) {
    await registry.stop();
    throw err;
  }
}

class Registry implements TestRegistry {
  caFile?: string;
  ca?: string;
  admin?: { username: string; password: string };
  realm?: string;
  service?: string;
  private port = 0;
  private tls = false;
  private configFile = '';
  private config: Record<string, unknown> = {};
  private process?: RegistryProcess;
  private tokenServer?: TokenServer;
  private tokenServerOptions?: TokenServerOptions;
  private agent = new Agent();
  private accessLog: RegistryRequest[] = [];
  private appLog: string[] = [];
  private syncCounter = 0;
  private syncWaiters = new Map<string, () => void>();
  private stopped = false;

  constructor(readonly auth: 'none' | 'htpasswd' | 'token', private readonly dir: string) {}

  get host(): string { return `127.0.0.1:${this.port}`; }
  get url(): string { return `${this.tls ? 'https' : 'http'}://${this.host}`; }
  get running(): boolean { return this.process !== undefined; }

  async init(options: RegistryOptions): Promise<void> {
    this.tls = options.tls ?? false;
    this.configFile = join(this.dir, 'config.yml');
    const users = { ...options.users };
    for (const name of Object.keys(users)) {
      if (name.includes(':') || name === ADMIN) throw new Error(`unusable user name ${JSON.stringify(name)}`);
    }
    if (this.auth !== 'none') {
      this.admin = { username: ADMIN, password: randomBytes(12).toString('hex') };
      users[ADMIN] = this.admin.password;
    }

    const needCa = this.tls || this.auth === 'token';
    const ca = needCa ? await createTestCa(this.dir) : undefined;
    const [serverCert, signingCert] = await Promise.all([
      this.tls ? issueCert(ca!, 'server', 'server') : undefined,
      this.auth === 'token' ? issueCert(ca!, 'token-signing', 'signing') : undefined,
    ]);
    if (this.tls) {
      this.caFile = ca!.caFile;
      this.ca = ca!.caPem;
      this.agent = new Agent({ connect: { ca: this.ca } });
    }

    this.config = {
      version: 0.1,
      log: { level: 'info', formatter: 'json', accesslog: { disabled: false } },
      storage: {
        filesystem: { rootdirectory: join(this.dir, 'data') },
        delete: { enabled: true },
        maintenance: { uploadpurging: { enabled: false } },
      },
      http: {
        addr: '', // set per start
        secret: randomBytes(16).toString('hex'),
        ...(serverCert && { tls: { certificate: serverCert.certFile, key: serverCert.keyFile } }),
      },
    };

    if (options.proxyOf) this.config.proxy = { remoteurl: options.proxyOf };
    if (this.auth === 'htpasswd') {
      const htpasswdFile = join(this.dir, 'htpasswd');
      await writeFile(htpasswdFile, (await Promise.all(Object.entries(users).map(([u, p]) => htpasswdLine(u, p)))).join(''));
      this.config.auth = { htpasswd: { realm: HTPASSWD_REALM, path: htpasswdFile } };
    } else if (this.auth === 'token') {
      const grants = Object.fromEntries(Object.entries(options.grants ?? {})
        .map(([user, patterns]) => [user, patterns.map((pattern) => ({ pattern, actions: ['pull'] }))]));
      grants[ADMIN] = [{ pattern: '*', actions: ['pull', 'push', 'delete'] }];
      this.tokenServerOptions = {
        service: SERVICE,
        issuer: ISSUER,
        signingKeyPem: signingCert!.keyPem,
        signingCertPem: signingCert!.certPem,
        users,
        grants,
        anonymous: options.anonymous,
        anonymousGrants: (options.anonymousGrants ?? []).map((pattern) => ({ pattern, actions: ['pull'] })),
        responseField: options.tokenResponseField,
        expiresIn: options.tokenExpiresIn,
        maxScopes: options.tokenMaxScopes,
        post: options.tokenPost,
        forbidden: options.tokenForbidden,
        tls: serverCert && { keyPem: serverCert.keyPem, certPem: serverCert.certPem },
      };
      this.tokenServer = await startTokenServer(this.tokenServerOptions);
      this.realm = this.tokenServer.realm;
      this.service = SERVICE;
      this.config.auth = { token: { realm: this.realm, service: SERVICE, issuer: ISSUER, rootcertbundle: ca!.caFile } };
    }

    // A free port can be taken between probing and binding; try another one then.
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      try {
        await this.resume();
        return;
      } catch (err) {
        if (!(err instanceof StartupError && err.addressInUse) || attempt === 3) throw err;
      }
    }
  }

  pushImage(repo: string, tag: string, opts?: { format?: 'docker' | 'oci'; platform?: Platform; runnable?: boolean }): Promise<string> {
    return push.pushImage(this.pushTarget(), repo, tag, opts);
  }

  pushIndex(repo: string, tag: string, opts: { format: 'docker-list' | 'oci-index'; platforms: Platform[] }): Promise<push.PushedIndex> {
    return push.pushIndex(this.pushTarget(), repo, tag, opts);
  }

  deleteManifest(repo: string, digest: string): Promise<void> {
    return push.deleteManifest(this.pushTarget(), repo, digest);
  }

  async requests(): Promise<RegistryRequest[]> {
    await this.sync();
    return this.accessLog.filter((r) => r.userAgent !== push.HARNESS_USER_AGENT).map((r) => ({ ...r }));
  }

  async resetRequests(): Promise<void> {
    await this.sync();
    this.accessLog = [];
    this.tokenServer?.resetRequests();
  }

  tokenRequests(): TokenRequest[] {
    return this.tokenServer?.requests() ?? [];
  }

  logs(): string[] {
    return [...this.appLog];
  }

  async pause(): Promise<void> {
    const proc = this.process;
    this.process = undefined;
    await proc?.stop();
    // Pooled connections to the dead process are useless; start the next run with fresh ones.
    const old = this.agent;
    this.agent = new Agent(this.ca ? { connect: { ca: this.ca } } : {});
    await old.close();
  }

  async resume(): Promise<void> {
    if (this.stopped) throw new Error('registry was stopped');
    if (this.process) return;
    this.config.http = { ...(this.config.http as object), addr: this.host };
    await writeFile(this.configFile, stringify(this.config));
    this.process = await RegistryProcess.start(this.configFile, this.host, {
      stdout: (line) => this.onAccessLog(line),
      stderr: (line) => { this.appLog.push(line); },
    });
  }

  async moveTokenServer(): Promise<void> {
    if (!this.tokenServer || !this.tokenServerOptions) throw new Error('moveTokenServer needs token mode');
    const moved = await startTokenServer(this.tokenServerOptions);
    await this.tokenServer.stop();
    this.tokenServer = moved;
    this.realm = moved.realm;
    this.config.auth = { token: { ...(this.config.auth as { token: object }).token, realm: moved.realm } };
    await this.pause();
    await this.resume();
  }

  async stopTokenServer(): Promise<void> {
    await this.tokenServer?.stop();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const errors: unknown[] = [];
    const attempt = async (step: () => Promise<unknown> | undefined): Promise<void> => {
      try { await step(); } catch (err) { errors.push(err); }
    };
    await attempt(() => this.process?.stop());
    this.process = undefined;
    await attempt(() => this.tokenServer?.stop());
    await attempt(() => this.agent.close());
    await attempt(() => rm(this.dir, { recursive: true, force: true }));
    liveDirs.delete(this.dir);
    if (errors.length > 0) throw new AggregateError(errors, 'stopping the test registry failed');
  }

  private pushTarget(): push.PushTarget {
    return {
      url: this.url,
      dispatcher: this.agent,
      authorization: async (repo) => {
        if (this.auth === 'htpasswd') {
          return `Basic ${Buffer.from(`${this.admin!.username}:${this.admin!.password}`).toString('base64')}`;
        }
        if (this.auth === 'token') {
          // Minted directly so the admin's pushes stay out of tokenRequests().
          return `Bearer ${this.tokenServer!.mint(ADMIN, [{ type: 'repository', name: repo, actions: ['pull', 'push', 'delete'] }])}`;
        }
        return undefined;
      },
    };
  }

  private onAccessLog(line: string): void {
    const match = ACCESS_LOG_LINE.exec(line);
    if (!match) return;
    const [, method, path, status, userAgent] = match;
    const marker = new URL(path, 'http://x').searchParams.get(SYNC_QUERY);
    if (marker !== null) {
      this.syncWaiters.get(marker)?.();
      return;
    }
    this.accessLog.push({ method, path, status: Number(status), userAgent });
  }

  /**
   * The access log handler writes its line when the request handler returns, before Go
   * flushes the end of a (small) response, and lines leave through one pipe in order. So
   * once the line of our own marker request has been read, so have the lines of all
   * requests answered before it.
   */
  private async sync(): Promise<void> {
    if (!this.process) return; // a stopped process has flushed everything already
    const marker = String(++this.syncCounter);
    const seen = new Promise<void>((resolve) => this.syncWaiters.set(marker, resolve));
    try {
      const res = await request(`${this.url}/?${SYNC_QUERY}=${marker}`, {
        dispatcher: this.agent,
        headers: { 'user-agent': push.HARNESS_USER_AGENT },
      });
      await res.body.dump();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([seen, new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('access log did not show the sync request')), 5_000);
      })]).finally(() => clearTimeout(timer));
    } finally {
      this.syncWaiters.delete(marker);
    }
  }
}

async function htpasswdLine(user: string, password: string): Promise<string> {
  // -B: bcrypt, the only hash distribution accepts.
  const { stdout } = await promisify(execFile)('htpasswd', ['-Bbn', user, password]);
  return `${stdout.trim()}\n`;
}

