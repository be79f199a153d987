// The kept-alive connections to one origin (scheme, host, port): at most `connectionsPerOrigin`
// at once, the most recently used handed out first (so the rest can idle out), each closed after
// `idleMs` unused or when the server closes it. A request that finds them all busy waits its turn.
import type { Socket } from 'node:net';
import type { PoolOptions } from './connections.js';
import { abortError, Http1Connection } from './http1-connection.js';

type Waiter = { resolve(connection: Http1Connection): void; reject(error: Error): void; signal: AbortSignal; onAbort(): void };

export class OriginPool {
  private readonly idle: Http1Connection[] = [];
  private readonly idleTimers = new WeakMap<Http1Connection, NodeJS.Timeout>();
  private readonly waiters: Waiter[] = [];
  /**
   * Every open connection, idle or busy. Not a set of the busy ones: adding and deleting one per
   * request made V8 rebuild the set's table every few requests, garbage for the old generation.
   */
  private readonly connections = new Set<Http1Connection>();
  private closed = false;

  constructor(
    private readonly options: PoolOptions,
    /** Opens a socket to the origin; its errors reach the connection built on it. */
    private readonly connect: () => Socket,
  ) {}

  /** A connection for one request: an idle one, a new one, or the next one freed. */
  acquire(signal: AbortSignal): Promise<Http1Connection> {
    if (signal.aborted) return Promise.reject(abortError(signal));
    if (this.closed) return Promise.reject(poolClosed());
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.connections.size < this.options.connectionsPerOrigin) return Promise.resolve(this.newConnection());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(abortError(signal));
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Closes every connection; requests in flight and waiting fail. */
  destroy(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.reject(poolClosed());
    }
    this.idle.length = 0;
    this.connections.forEach((connection) => connection.destroy());
  }

  private newConnection(): Http1Connection {
    const connection = new Http1Connection(this.connect(), this.options.maxHeaderBytes, (freed) => this.release(freed), (gone) => this.forget(gone));
    this.connections.add(connection);
    return connection;
  }

  private release(connection: Http1Connection): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(connection);
      return;
    }
    this.idle.push(connection);
    // One timer per connection, re-armed at each release; firing while the connection is busy again does nothing.
    const timer = this.idleTimers.get(connection);
    if (timer) timer.refresh();
    else this.idleTimers.set(connection, setTimeout(() => this.idle.includes(connection) && connection.destroy(), this.options.idleMs).unref());
  }

  private forget(connection: Http1Connection): void {
    this.connections.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    clearTimeout(this.idleTimers.get(connection));
    // A freed slot serves the next waiting request on a new connection.
    const waiter = !this.closed && this.connections.size < this.options.connectionsPerOrigin ? this.waiters.shift() : undefined;
    if (waiter) {
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(this.newConnection());
    }
  }
}

/** Requests after destroy() fail as those in flight did. */
function poolClosed(): Error {
  return Object.assign(new Error('connection pool closed'), { code: 'ECONNRESET' });
}
