// The connections to the API server: one keep-alive agent and one TLS context per set of TLS
// settings the kubeconfig gives, shared by every list, get and watch. The client library makes a
// new https.Agent for every request (applyToHTTPSOptions), so each watch held a TLS context of
// its own and every list page paid a TLS handshake. Proxy agents stay as the library makes them.
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { KubeConfig } from './client-library.js';

/**
 * What makes two connections interchangeable: the TLS settings the library copies from the
 * kubeconfig onto its agent (trust, client identity, the name checked and the rest).
 */
const TLS_SETTINGS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'servername', 'rejectUnauthorized', 'ciphers', 'honorCipherOrder', 'ecdhCurve', 'crl', 'dhparam', 'secureOptions', 'secureProtocol', 'sessionIdContext'] as const;
/** Settings of the connection, not of the TLS context. */
const CONNECTION_ONLY = new Set(['servername', 'rejectUnauthorized']);
/** Settings that change (a rotated client certificate) leave older agents behind: the oldest goes. */
const MAX_AGENTS = 4;
/** TCP keep-alive probes on idle watch connections, as the client library's watch set them. */
const KEEP_ALIVE_MS = 30_000;

type TlsSettings = Partial<Record<(typeof TLS_SETTINGS)[number], unknown>>;

const agents = new Map<string, https.Agent>();
let plainAgent: http.Agent | undefined;

/**
 * The options of one request to the API server: the kubeconfig's credentials (token,
 * client certificate, auth plugin) as the library applies them, on a shared connection.
 */
export async function apiRequestOptions(kubeConfig: KubeConfig, method: string, headers: Record<string, string | number>): Promise<https.RequestOptions> {
  const options: https.RequestOptions = { method, headers };
  await kubeConfig.applyToHTTPSOptions(options);
  // Only the agents the library makes for a direct connection; a proxy agent is of another class.
  const agentClass: unknown = (options.agent as object | undefined)?.constructor;
  if (agentClass === https.Agent) options.agent = sharedAgent((options.agent as unknown as { options: TlsSettings }).options);
  else if (agentClass === http.Agent) options.agent = plainAgent ??= new http.Agent({ keepAlive: true, keepAliveMsecs: KEEP_ALIVE_MS });
  return options;
}

function sharedAgent(settings: TlsSettings): https.Agent {
  const key = settingsKey(settings);
  let agent = agents.get(key);
  if (agent) {
    // Most recently used last, so that the first is the one to drop.
    agents.delete(key);
    agents.set(key, agent);
    return agent;
  }
  const chosen: Record<string, unknown> = {};
  for (const name of TLS_SETTINGS) if (settings[name] !== undefined) chosen[name] = settings[name];
  const contextSettings = Object.fromEntries(Object.entries(chosen).filter(([name]) => !CONNECTION_ONLY.has(name)));
  const secureContext = tls.createSecureContext(contextSettings as tls.SecureContextOptions);
  agent = new https.Agent({ ...chosen, secureContext, keepAlive: true, keepAliveMsecs: KEEP_ALIVE_MS });
  agents.set(key, agent);
  if (agents.size > MAX_AGENTS) {
    const [oldestKey, oldest] = agents.entries().next().value as [string, https.Agent];
    agents.delete(oldestKey);
    // Open watches on it go on; its idle sockets close.
    for (const sockets of Object.values(oldest.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
  }
  return agent;
}

function settingsKey(settings: TlsSettings): string {
  return TLS_SETTINGS.map((name) => settingText(settings[name])).join('\u0000');
}

function settingText(value: unknown): string {
  if (value === undefined) return '';
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(settingText).join('\u0001');
  return typeof value === 'string' ? value : JSON.stringify(value);
}
