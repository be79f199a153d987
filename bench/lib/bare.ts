// Reference clients written straight on undici, to compare the exporter against:
// - bareHeadLoop: HEADs of known manifests, N at once, nothing else (the registry's own limit).
//   undici closes the connection after every HEAD (it asks with `connection: close`) unless the
//   request says `reset: false`; the keep-alive loop does, the other shows what reconnecting costs;
// - NaiveClient: what a client without any memory spends: every check pings /v2/ for the
//   challenge, fetches a token (or sends Basic), then HEADs the manifest.
import { Agent, request } from 'undici';
import { MANIFEST_MEDIA_TYPES } from '../../src/registry/client.js';
import { connectionsOpened } from './connections.js';
import { pool } from './stats.js';

const ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');
export const BARE_USER_AGENT = 'bench-bare-loop';
export const NAIVE_USER_AGENT = 'bench-naive-client';

/** `http://host/v2/<repo>/manifests/<tag>` for `host/repo:tag`. */
export function manifestUrl(image: string): string {
  const slash = image.indexOf('/');
  const host = image.slice(0, slash);
  const rest = image.slice(slash + 1);
  const colon = rest.lastIndexOf(':');
  return `http://${host}/v2/${rest.slice(0, colon)}/manifests/${rest.slice(colon + 1)}`;
}

export type LoopFigures = { ms: number; failures: number; cpuMs: number; connections: number };

/** HEADs every image's manifest, `concurrency` at once; returns the elapsed and CPU ms and the connections opened. */
export async function bareHeadLoop(images: string[], concurrency: number, keepAlive: boolean): Promise<LoopFigures> {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 30_000 });
  const urls = images.map(manifestUrl);
  let failures = 0;
  const head = async (url: string) => {
    const res = await request(url, { method: 'HEAD', dispatcher: agent, reset: keepAlive ? false : undefined, headers: { accept: ACCEPT, 'user-agent': BARE_USER_AGENT } });
    await res.body.dump();
    if (res.statusCode !== 200) failures++;
  };
  try {
    await head(urls[0]); // one warm-up request, like the exporter side's
    const connections = connectionsOpened();
    const cpu = process.cpuUsage();
    const started = performance.now();
    await pool(urls, concurrency, head);
    const elapsed = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { ms: elapsed, failures, cpuMs: (used.user + used.system) / 1000, connections: connectionsOpened() - connections };
  } finally {
    await agent.close();
  }
}

export type NaiveCredential = { username: string; password: string } | undefined;

/** Re-authenticates on every check: GET /v2/ → (token request | Basic) → HEAD manifest. */
export class NaiveClient {
  private readonly agent = new Agent({ connections: 8, keepAliveTimeout: 30_000 });

  constructor(private readonly credential: NaiveCredential) {}

  async check(image: string): Promise<number> {
    const url = new URL(manifestUrl(image));
    const repository = url.pathname.replace(/^\/v2\//, '').replace(/\/manifests\/[^/]+$/, '');
    const ping = await this.send(new URL('/v2/', url), 'GET', {});
    let authorization: string | undefined;
    const challenge = String(ping.headers['www-authenticate'] ?? '');
    if (ping.status === 401 && /^basic/i.test(challenge)) {
      authorization = this.basic();
    } else if (ping.status === 401 && /^bearer/i.test(challenge)) {
      const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      const tokenUrl = new URL(params.realm);
      if (params.service) tokenUrl.searchParams.set('service', params.service);
      tokenUrl.searchParams.set('scope', `repository:${repository}:pull`);
      const reply = await this.send(tokenUrl, 'GET', this.credential ? { authorization: this.basic()! } : {}, true);
      const body = JSON.parse(reply.body!) as { token?: string; access_token?: string };
      authorization = `Bearer ${body.token ?? body.access_token}`;
    }
    const head = await this.send(url, 'HEAD', { accept: ACCEPT, ...(authorization && { authorization }) });
    return head.status;
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private basic(): string | undefined {
    if (!this.credential) return undefined;
    return `Basic ${Buffer.from(`${this.credential.username}:${this.credential.password}`).toString('base64')}`;
  }

  private async send(url: URL, method: 'GET' | 'HEAD', headers: Record<string, string>, readBody = false) {
    const res = await request(url, { method, dispatcher: this.agent, headers: { ...headers, 'user-agent': NAIVE_USER_AGENT } });
    const body = readBody ? await res.body.text() : (await res.body.dump(), undefined);
    return { status: res.statusCode, headers: res.headers, body };
  }
}
