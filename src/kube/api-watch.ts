// One watch request to the API server, with the client library's Watch contract (ListWatch and
// the autoshard watch call it): events as parsed objects, `done` once when the stream ends, fails
// or is aborted. Sent with Node's http(s) on the shared connections (api-connections.ts) instead
// of the library's node-fetch with an agent per request. Each event line is bounded: a stream
// that sends more without a newline is dropped with an error, not buffered without end.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from './client-library.js';
import { apiRequestOptions } from './api-connections.js';
import { apiUrl, statusMessage } from './kube-api.js';

/** One event holds one object, which the API server keeps under about 1.5 MB in etcd; JSON escaping can double it. */
const DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;
const NEWLINE = 0x0a;
/** Enough of a refusal's body for the API server's Status message. */
const MAX_ERROR_TEXT = 1200;

export type WatchCallback = (phase: string, object: never, event: unknown) => void;
export type WatchOptions = {
  /** An Accept header of its own (metadata-only watches); JSON when not given. */
  accept?: string;
  /** Called when the API server answers the watch request with 200: the watch is established. */
  onAccepted?: () => void;
  maxEventBytes?: number;
};

export class WatchRefusedError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = 'WatchRefusedError';
  }
}

export class ApiWatch {
  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly options: WatchOptions = {},
  ) {}

  /**
   * Starts a watch of `path`; resolves once the API server answered (or the request failed, which
   * `done` has then been told). Abort the controller to end it: `done` hears an AbortError.
   */
  async watch(path: string, queryParams: Record<string, unknown>, callback: WatchCallback, done: (error: unknown) => void): Promise<AbortController> {
    const controller = new AbortController();
    let doneCalled = false;
    const finish = (error: unknown) => {
      if (doneCalled) return;
      doneCalled = true;
      // Ended by the caller's abort: say so, whichever event of the stream came first.
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined;
      controller.abort();
      done(reason ?? error);
    };
    try {
      const url = apiUrl(this.kubeConfig, path);
      url.searchParams.set('watch', 'true');
      for (const [key, value] of Object.entries(queryParams)) if (value !== undefined) url.searchParams.set(key, String(value));
      const options = await apiRequestOptions(this.kubeConfig, 'GET', { Accept: this.options.accept ?? 'application/json' });
      options.signal = controller.signal;
      await new Promise<void>((answered) => {
        const request = (url.protocol === 'http:' ? http : https).request(url, options, (response) => {
          answered();
          if (response.statusCode !== 200) return refused(response, path, finish);
          this.options.onAccepted?.();
          streamEvents(response, this.options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES, callback, finish, path);
        });
        request.on('error', (error) => {
          answered();
          finish(error);
        });
        request.end();
      });
    } catch (error) {
      finish(error);
    }
    return controller;
  }
}

/** A watch the API server did not accept: its status and the message of its Status object. */
function refused(response: http.IncomingMessage, path: string, finish: (error: unknown) => void): void {
  const status = response.statusCode ?? 0;
  let text = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    if (text.length < MAX_ERROR_TEXT) text += chunk;
    else response.destroy();
  });
  const report = () => finish(new WatchRefusedError(`HTTP ${status} from the API server for the watch of ${path}: ${statusMessage(text)}`, status));
  response.on('end', report);
  response.on('close', report);
  response.on('error', report);
}

function streamEvents(response: http.IncomingMessage, maxEventBytes: number, callback: WatchCallback, finish: (error: unknown) => void, path: string): void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const deliver = (line: Buffer) => {
    if (line.length === 0) return;
    // As the library's watch: a line that is not JSON, or an event its handler cannot take, is
    // skipped; the stream goes on (an exception here would end the process, not the event).
    try {
      const event = JSON.parse(line.toString('utf8')) as { type?: unknown; object?: unknown };
      if (event && typeof event.type === 'string') callback(event.type, event.object as never, event);
    } catch {
      return;
    }
  };
  response.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      const part = chunk.subarray(start, newline);
      start = newline + 1;
      if (pending.length === 0) deliver(part);
      else {
        pending.push(part);
        const line = Buffer.concat(pending, pendingBytes + part.length);
        pending = [];
        pendingBytes = 0;
        deliver(line);
      }
      if (response.destroyed) return;
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > maxEventBytes) {
        response.destroy();
        finish(new Error(`a watch event of ${path} is larger than ${Math.round(maxEventBytes / 1024 / 1024)} MiB; the watch was dropped and starts over`));
      }
    }
  });
  response.on('end', () => finish(null));
  response.on('close', () => finish(null));
  response.on('error', finish);
}
