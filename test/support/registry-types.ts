// The options and the interface of the test registry that registry.ts starts.
import type * as push from './image-push.js';
import type { Platform } from './image-content.js';
import type { TokenRequest, TokenServerOptions } from './token-server.js';

export interface RegistryOptions {
  auth?: 'none' | 'htpasswd' | 'token';
  tls?: boolean;
  /** user → password, for htpasswd and token mode. */
  users?: Record<string, string>;
  /** Token mode: user → repository patterns the user may pull (`*` matches anything, `/` included). */
  grants?: Record<string, string[]>;
  /** Token mode: what an anonymous token request gets (default: a token with no access). */
  anonymous?: 'token' | 'reject';
  /** Token mode: repository patterns anyone may pull, e.g. to model public repositories. */
  anonymousGrants?: string[];
  tokenResponseField?: 'token' | 'access_token' | 'both';
  /** Token mode: `expires_in` of issued tokens, seconds (default 300). */
  tokenExpiresIn?: number;
  /** Token mode: the token server refuses requests with more scopes than this. */
  tokenMaxScopes?: number;
  /** Token mode: how the token server answers POST (see TokenServerOptions.post). */
  tokenPost?: TokenServerOptions['post'];
  /** Token mode: users whose valid credentials the token server answers 403. */
  tokenForbidden?: string[];
  /** A pull-through cache of this registry URL (distribution's proxy mode; it must be up when the cache starts). */
  proxyOf?: string;
}

export interface RegistryRequest {
  method: string;
  /** The request URI as sent, query included. */
  path: string;
  status: number;
  userAgent: string;
}

export interface TestRegistry {
  readonly auth: 'none' | 'htpasswd' | 'token';
  /** `127.0.0.1:PORT`; the port stays the same across pause()/resume(). */
  readonly host: string;
  /** `http://host` or `https://host`. */
  readonly url: string;
  /** TLS mode: the PEM file (and its text) of the CA that signed the registry's certificate. */
  readonly caFile?: string;
  readonly ca?: string;
  /** The user the push helpers authenticate as (htpasswd and token mode). */
  readonly admin?: { username: string; password: string };
  /** Token mode: the token endpoint and the service name the registry expects. */
  readonly realm?: string;
  readonly service?: string;
  readonly running: boolean;

  pushImage(repo: string, tag: string, opts?: { format?: 'docker' | 'oci'; platform?: Platform; runnable?: boolean }): Promise<string>;
  pushIndex(repo: string, tag: string, opts: { format: 'docker-list' | 'oci-index'; platforms: Platform[] }): Promise<push.PushedIndex>;
  deleteManifest(repo: string, digest: string): Promise<void>;

  /**
   * Requests the registry served (from its access log), oldest first, across restarts;
   * the harness's own push traffic is left out. Async because the access log line is
   * written by the registry process and read through a pipe: this waits until every
   * request answered so far has been read.
   */
  requests(): Promise<RegistryRequest[]>;
  /** Forgets the requests (and token requests) seen so far. */
  resetRequests(): Promise<void>;
  /** Token mode: what the token server was asked and answered. */
  tokenRequests(): TokenRequest[];
  /** The registry's application log lines (JSON), for diagnosing a failing test. */
  logs(): string[];

  /**
   * Token mode: the token server moves to another port (the old one is closed) and the registry
   * restarts announcing the new realm, as when a registry's auth service is moved.
   */
  moveTokenServer(): Promise<void>;
  /** Token mode: closes the token server; the registry keeps announcing its realm. */
  stopTokenServer(): Promise<void>;
  /** Stops the registry process; port, storage and the token server are kept. */
  pause(): Promise<void>;
  /** Starts it again on the same port with the same storage. */
  resume(): Promise<void>;
  /** Stops everything and deletes the temporary directory. Safe to call twice. */
  stop(): Promise<void>;
}
