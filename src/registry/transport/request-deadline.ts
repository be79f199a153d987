// The abort signal of one registry request: it fires when the request's time is up or when the
// exporter stops, whichever comes first, and end() lets go of both at once. The platform's
// AbortSignal.timeout keeps its timer, and AbortSignal.any its link from the long-lived stop
// signal, until the time limit has passed even when the request ended long before: at 500
// images rechecked every 15 s that was about 500 live timers and 2 000 weak references, 0.5 MiB
// of heap and far more garbage (BENCHMARKS.md, case 4). The stop signal carries one listener
// however many requests are in flight (an EventTarget warns of a leak beyond ten), which tells
// the deadlines waiting on it.

/**
 * Per stop signal, the deadlines to abort when it fires: an array each deadline knows its place
 * in, so that ending one is a swap with the last, without allocating. (A Set had V8 rebuild its
 * table every few requests, garbage for the old generation.)
 */
const waitingOnStop = new WeakMap<AbortSignal, RequestDeadline[]>();

function whenStopped(stopping: AbortSignal, deadline: RequestDeadline): number {
  let waiting = waitingOnStop.get(stopping);
  if (!waiting) {
    const created: RequestDeadline[] = [];
    waitingOnStop.set(stopping, (waiting = created));
    stopping.addEventListener('abort', () => {
      for (const stopped of created.splice(0)) stopped.stop();
    }, { once: true });
  }
  waiting.push(deadline);
  return waiting.length - 1;
}

export class RequestDeadline {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private timedOut = false;
  /** Where this deadline is in its stop signal's array; -1 once out of it. */
  private slot = -1;

  constructor(
    timeoutMs: number,
    private readonly stopping: AbortSignal,
  ) {
    this.signal = this.controller.signal;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
    // Like AbortSignal.timeout: a pending deadline alone does not keep the process running.
    this.timer.unref();
    if (stopping.aborted) this.stop();
    else this.slot = whenStopped(stopping, this);
  }

  /** Whether the time limit (not the stop) ended the request. */
  get expired(): boolean {
    return this.timedOut;
  }

  /** The reason the signal fired with. */
  get reason(): unknown {
    return this.signal.reason;
  }

  /** Releases the timer and the stop listener; the request is over. */
  end(): void {
    clearTimeout(this.timer);
    const waiting = waitingOnStop.get(this.stopping);
    if (this.slot < 0 || waiting?.[this.slot] !== this) return;
    const last = waiting.pop()!;
    if (last !== this) {
      waiting[this.slot] = last;
      last.slot = this.slot;
    }
    this.slot = -1;
  }

  /** The exporter stops: the request ends with the stop's reason. */
  stop(): void {
    this.slot = -1;
    this.controller.abort(this.stopping.reason);
  }
}
