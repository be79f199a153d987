// The requests the exporter makes besides watches: list pages, one Secret, a discovery document,
// an Event. Sent with Node's http(s) over the connection options the client library derives from
// the kubeconfig (applyToHTTPSOptions: CA, client certificate, token or auth plugin, proxy
// agent), so authentication and TLS stay the library's. Every request has a deadline and a
// bounded answer; an error carries the HTTP status as `code`, as the library's errors do. The
// connections are shared and kept alive (api-connections.ts).
import http from 'node:http';
import https from 'node:https';
import { readBoundedBody } from '../bounds/bounded-body.js';
import { printable } from '../bounds/printable.js';
import { apiRequestOptions } from './api-connections.js';
import type { KubeConfig } from './client-library.js';

const DEFAULT_TIMEOUT_MS = 60_000;
/** A list page of 500 objects, each up to the API server's 1.5 MB request limit, stays far below this. */
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const MAX_ERROR_TEXT = 300;

export type KubeRequestOptions = {
  query?: Record<string, string | number | undefined>;
  /** The Accept header; JSON when not given. */
  accept?: string;
  timeoutMs?: number;
  maxBytes?: number;
};

export type ListPage = { items: unknown[]; metadata?: { resourceVersion?: string; continue?: string } };

export class KubeApiError extends Error {
  constructor(
    message: string,
    /** The HTTP status, when the API server answered. */
    readonly code?: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** The answer was larger than the request allowed; it was not read to its end. */
export class AnswerTooLargeError extends KubeApiError {}

export class KubeApi {
  constructor(private readonly kubeConfig: KubeConfig) {}

  get<T>(path: string, options: KubeRequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, undefined, options);
  }

  post<T>(path: string, body: unknown, options: KubeRequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, JSON.stringify(body), options);
  }

  /** One page of a list: `limit` objects at most, from where `continue` says. */
  async listPage(path: string, page: { limit: number; continue?: string }, accept?: string): Promise<ListPage> {
    const list = await this.get<{ items?: unknown; metadata?: { resourceVersion?: unknown; continue?: unknown } }>(path, { query: { limit: page.limit, continue: page.continue }, accept });
    const metadata = list?.metadata;
    return {
      items: Array.isArray(list?.items) ? list.items : [],
      metadata: { resourceVersion: stringOrUndefined(metadata?.resourceVersion), continue: stringOrUndefined(metadata?.continue) },
    };
  }

  private async request<T>(method: string, path: string, body: string | undefined, options: KubeRequestOptions): Promise<T> {
    const url = apiUrl(this.kubeConfig, path);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    const headers: Record<string, string | number> = { Accept: options.accept ?? 'application/json' };
    if (body !== undefined) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    const requestOptions = await apiRequestOptions(this.kubeConfig, method, headers);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    requestOptions.signal = AbortSignal.timeout(timeoutMs);
    const what = `${method} ${path}`;
    const { status, text } = await send(url, requestOptions, body, options.maxBytes ?? DEFAULT_MAX_BYTES, what);
    if (status < 200 || status >= 300) throw new KubeApiError(`HTTP ${status} from the API server for ${what}: ${statusMessage(text)}`, status);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new KubeApiError(`the API server's answer to ${what} is not JSON (HTTP ${status}); is the kubeconfig's server an API server?`, status);
    }
  }
}

/** `path` on the kubeconfig's current cluster. */
export function apiUrl(kubeConfig: KubeConfig, path: string): URL {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new KubeApiError('the kubeconfig has no current cluster: set its current-context');
  return new URL(cluster.server + path);
}

/**
 * The request's listeners reach the answer only through `pending`, emptied once it settles: the
 * kept-alive socket holds on to its last request and that request's listeners, which would
 * otherwise keep the whole answer text (a list page: hundreds of KiB) alive until its next use.
 */
function send(url: URL, options: https.RequestOptions, body: string | undefined, maxBytes: number, what: string): Promise<{ status: number; text: string }> {
  const pending: { resolve?: (answer: { status: number; text: string }) => void; reject?: (error: unknown) => void } = {};
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => Object.assign(pending, { resolve, reject }));
  const settle = (outcome: { answer?: { status: number; text: string }; error?: unknown }) => {
    const { resolve, reject } = pending;
    pending.resolve = pending.reject = undefined;
    if (outcome.answer) resolve?.(outcome.answer);
    else reject?.(outcome.error);
  };
  const request = (url.protocol === 'http:' ? http : https).request(url, options, (response) => {
    const tooLarge = () => new AnswerTooLargeError(`the API server's answer to ${what} is larger than ${Math.round(maxBytes / 1024)} KiB; it was dropped`);
    readBoundedBody(response, maxBytes, tooLarge).then((text) => settle({ answer: { status: response.statusCode ?? 0, text } }), (error: unknown) => settle({ error }));
  });
  request.on('error', (error) => settle({ error }));
  request.end(body);
  return answer;
}

/** The message of the API server's Status object, or the start of whatever it sent instead. */
export function statusMessage(text: string): string {
  let message: unknown;
  try {
    message = (JSON.parse(text) as { message?: unknown })?.message;
  } catch {
    message = text;
  }
  return printable(String(message ?? ''), MAX_ERROR_TEXT) || 'no message';
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
