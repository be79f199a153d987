// Which connections the transport gets: our own HTTP/1.1 client (direct-connections.ts) serves
// every setup without a proxy;
// a proxy named in the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) is served by undici's proxy
// agent, loaded only then: in a process of its own, 50 requests over undici cost 20 MiB of
// resident memory over a bare process, over Node's http 7 MiB (BENCHMARKS.md, case 4).
import type { Connections, PoolOptions, TlsTrust } from './connections.js';
import { DirectConnections } from './direct-connections.js';

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

export function proxyInEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  return PROXY_VARIABLES.some((name) => (env[name] ?? '') !== '');
}

/** Connections for one trust setting, through the environment's proxy when it names one. */
export function openConnections(pool: PoolOptions, trust: TlsTrust): Connections {
  if (!proxyInEnvironment()) return new DirectConnections(pool, trust);
  const proxied = import('./proxied-connections.js').then(({ ProxiedConnections }) => new ProxiedConnections(pool, trust));
  return {
    request: async (url, init) => (await proxied).request(url, init),
    destroy: async () => (await proxied).destroy(),
  };
}
