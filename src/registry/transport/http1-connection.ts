// One kept-alive HTTP/1.1 connection: the request goes out as one string, the answer is read by
// Node's own HTTP parser (llhttp, the binding node:http uses) straight from the socket's handle,
// and the body is gathered as it comes (buffered-body.ts). Node's ClientRequest, IncomingMessage,
// agent and streams cost about three times the CPU of this per request under the image's
// interpreter-only V8 (BENCHMARKS.md, "Side by side with the Go exporter"); the parser, its header
// bound and its framing (content-length, chunked, HEAD, 1xx/204/304, Connection: close) are the same.
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { BufferedBody } from './buffered-body.js';
import type { Answer } from './connections.js';

type Parser = {
  consume(handle: object): void;
  unconsume(): void;
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | (Error & { code: string; reason?: string });
  finish(): undefined | (Error & { code: string; reason?: string });
  close(): void;
  [callback: number]: unknown;
};
type ParserClass = { new (): Parser; RESPONSE: number; kOnHeaders: number; kOnHeadersComplete: number; kOnBody: number; kOnMessageComplete: number; kOnExecute: number; kLenientNone: number };

// Read through require: the parser is not a public export of Node's, but node:http's own.
const { HTTPParser } = createRequire(import.meta.url)('_http_common') as { HTTPParser: ParserClass };

/** What Node's http client fails with when the server closes before or during its answer. */
export function connectionReset(message: 'socket hang up' | 'aborted'): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code: 'ECONNRESET' });
}

/** As Node's http client fails on its request's signal: the deadline's reason is the cause. */
export function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}

type Exchange = {
  head: boolean;
  signal: AbortSignal;
  resolve(answer: Answer): void;
  reject(error: Error): void;
  body?: BufferedBody;
  /** A 1xx answer is not the answer: the parser goes on to the next message. */
  informational: boolean;
  keepAlive: boolean;
};

/** What net.Socket keeps of its libuv stream: node:http's server consumes it the same way. */
type ConsumableHandle = { isStreamBase?: boolean; _consumed?: boolean; reading: boolean; readStart(): number; readStop(): number };

export class Http1Connection {
  /** Requests sent on this connection so far: a failure after the first may be a stale connection. */
  carried = 0;
  destroyed = false;
  private readonly parser: Parser;
  private exchange?: Exchange;
  private extraHeaders: string[] = [];
  private readonly bodySource = { pause: () => this.pause(), resume: () => this.resume(), destroy: () => this.destroy() };
  /** The socket's handle, once the parser reads it directly. */
  private handle?: ConsumableHandle;
  private readonly onAbort = () => {
    const exchange = this.exchange;
    if (exchange) this.fail(abortError(exchange.signal));
  };

  constructor(
    readonly socket: Socket,
    maxHeaderBytes: number,
    /** Called when an answer has been read whole and the connection may carry another request. */
    private readonly onFree: (connection: Http1Connection) => void,
    /** Called once when the connection is gone. */
    private readonly onGone: (connection: Http1Connection) => void,
  ) {
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.RESPONSE, {}, maxHeaderBytes, HTTPParser.kLenientNone);
    // More than 32 header lines come in parts before the headers are complete.
    parser[HTTPParser.kOnHeaders] = (headers: string[]) => this.extraHeaders.push(...headers);
    parser[HTTPParser.kOnHeadersComplete] = (_major: number, _minor: number, headers: string[] | undefined, _method: unknown, _url: unknown, status: number, _message: string, upgrade: boolean, keepAlive: boolean) =>
      this.onHeaders(headers, status, upgrade, keepAlive);
    parser[HTTPParser.kOnBody] = (chunk: Buffer) => this.exchange?.body?.push(chunk);
    parser[HTTPParser.kOnMessageComplete] = () => this.onComplete();
    parser[HTTPParser.kOnExecute] = (parsed: ReturnType<Parser['execute']>) => this.afterExecute(parsed);
    this.parser = parser;
    // Once connected, the parser reads the socket's handle itself, as node:http's server has it
    // do: no stream between the bytes and the parser. Until then (and where a handle cannot be
    // consumed) the bytes come as 'data'.
    socket.once('encrypted' in socket ? 'secureConnect' : 'connect', () => this.consume());
    socket.on('data', (chunk: Buffer) => this.afterExecute(this.parser.execute(chunk)));
    socket.on('end', () => this.onEnd());
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => {
      this.fail(undefined);
      // Freed only now, never from inside one of its own callbacks.
      if (this.handle) parser.unconsume();
      parser.close();
    });
  }

  /** Sends `request` (request line, headers and body, written once) and resolves with the answer's head. */
  send(request: string | Buffer, head: boolean, signal: AbortSignal): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      if (this.destroyed) return reject(connectionReset('socket hang up'));
      if (signal.aborted) return reject(abortError(signal));
      this.carried++;
      this.exchange = { head, signal, resolve, reject, informational: false, keepAlive: false };
      signal.addEventListener('abort', this.onAbort);
      // Header bytes as Node writes them: Latin-1.
      this.socket.write(request as string, 'latin1');
    });
  }

  destroy(): void {
    this.fail(undefined);
  }

  /** Stops reading until resume(): with a consumed handle, a paused stream would not stop it. */
  pause(): void {
    if (!this.handle) return void this.socket.pause();
    this.handle.reading = false;
    this.handle.readStop();
  }

  resume(): void {
    if (!this.handle) return void this.socket.resume();
    if (this.handle.reading || this.destroyed) return;
    this.handle.reading = true;
    this.handle.readStart();
  }

  private consume(): void {
    const handle = (this.socket as unknown as { _handle?: ConsumableHandle })._handle;
    if (this.destroyed || !handle?.isStreamBase || handle._consumed) return;
    handle._consumed = true;
    this.parser.consume(handle);
    this.handle = handle;
  }

  private afterExecute(parsed: ReturnType<Parser['execute']>): void {
    if (typeof parsed !== 'number') {
      if (typeof parsed.reason === 'string') parsed.message = `Parse Error: ${parsed.reason}`;
      this.fail(parsed);
    }
  }

  private onEnd(): void {
    // An answer delimited by the end of the connection ends here; one cut short fails.
    const unfinished = this.parser.finish();
    this.fail(unfinished ? connectionReset('aborted') : undefined);
  }

  private onHeaders(headers: string[] | undefined, status: number, upgrade: boolean, keepAlive: boolean): number {
    const exchange = this.exchange;
    if (!exchange || upgrade) {
      // An answer nobody asked for, or a protocol switch nobody asked for.
      this.fail(connectionReset('socket hang up'));
      return 1;
    }
    const raw = headers ?? this.extraHeaders;
    this.extraHeaders = [];
    if (status < 200) {
      exchange.informational = true;
      return 1;
    }
    exchange.keepAlive = keepAlive;
    exchange.body = new BufferedBody(this.bodySource);
    exchange.resolve({ status, headers: headersOf(raw), body: exchange.body });
    // 1: a HEAD answer has no body, whatever its content-length says.
    return exchange.head ? 1 : 0;
  }

  private onComplete(): void {
    const exchange = this.exchange;
    if (!exchange) return;
    if (exchange.informational) {
      exchange.informational = false;
      return;
    }
    this.exchange = undefined;
    exchange.signal.removeEventListener('abort', this.onAbort);
    exchange.body!.end();
    // The next request is written only after this chunk is parsed: the pool hands connections over through promises.
    if (exchange.keepAlive) this.onFree(this);
    else this.fail(undefined);
  }

  /** Ends the connection; the request or body in flight fails with `error`. */
  private fail(error: Error | undefined): void {
    const exchange = this.exchange;
    this.exchange = undefined;
    if (exchange) {
      exchange.signal.removeEventListener('abort', this.onAbort);
      const why = error ?? connectionReset(exchange.body ? 'aborted' : 'socket hang up');
      if (exchange.body) exchange.body.fail(why);
      else exchange.reject(why);
    }
    if (this.destroyed) return;
    this.destroyed = true;
    this.socket.destroy();
    this.onGone(this);
  }
}

/**
 * The header shape undici's request answers with: lower-case names, one value as a string,
 * repeated ones as an array.
 */
export function headersOf(raw: string[]): Answer['headers'] {
  const headers: Answer['headers'] = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const seen = headers[name];
    if (Array.isArray(seen)) seen.push(raw[i + 1]);
    else headers[name] = seen === undefined ? raw[i + 1] : [seen, raw[i + 1]];
  }
  return headers;
}
