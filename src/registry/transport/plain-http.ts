// Which registries may be asked over plain HTTP once HTTPS has failed there: the hosts named by
// --allow-plain-http (or all of them, "*") after any failure without an answer, as the Go exporter
// did; and, as containerd does, loopback registries without being named, when HTTPS failed the way
// it does against a plain-HTTP server (or nothing listens for it): traffic to them never leaves the
// machine, and a TLS registry with a certificate problem stays a certificate problem. Other private
// addresses only when named: a plain-HTTP answer from the network could come from anyone on the path.
import { isIPv4, isIPv6 } from 'node:net';

/** The host-list entry meaning every registry: the Go exporter's boolean switches, --allow-plain-http and --skip-registry-cert-verification, given bare. */
export const EVERY_REGISTRY = '*';

export type PlainHttpRules = {
  /** Hosts (host or host:port, any case); "*" is every registry. */
  hosts: string[];
  /** Loopback registries fall back too (the exporter's default; off for clients built without it). */
  loopback?: boolean;
};

/** Error codes of an HTTPS attempt at a server that speaks plain HTTP, or of a port nobody listens on. */
const PLAIN_HTTP_SIGNS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'EPROTO', 'ECONNREFUSED']);

/** Whether a registry host (host or host:port, as images name it) whose HTTPS attempt failed with `code` may be asked over HTTP. */
export function plainHttpFallback(rules: PlainHttpRules): (host: string, code: string) => boolean {
  const named = new Set(rules.hosts.map((host) => host.toLowerCase()));
  if (named.has(EVERY_REGISTRY)) return () => true;
  return (host, code) => named.has(host.toLowerCase()) || (!!rules.loopback && isLoopbackRegistry(host) && PLAIN_HTTP_SIGNS.has(code));
}

/** localhost (any port), 127.0.0.0/8 and ::1: what Docker and containerd reach over HTTP unasked. */
export function isLoopbackRegistry(host: string): boolean {
  const name = hostWithoutPort(host).toLowerCase();
  if (name === 'localhost') return true;
  if (isIPv4(name)) return name.startsWith('127.');
  // The URL parser writes an IPv6 address in its shortest form: 0:0:0:0:0:0:0:1 becomes ::1.
  if (isIPv6(name)) return new URL(`http://[${name}]/`).hostname === '[::1]';
  return false;
}

function hostWithoutPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(1, end) : host;
  }
  const colon = host.indexOf(':');
  // More than one colon without brackets: a bare IPv6 address, no port.
  return colon >= 0 && host.indexOf(':', colon + 1) < 0 ? host.slice(0, colon) : host;
}
