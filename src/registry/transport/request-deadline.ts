// The abort signal of one registry request: it fires when the request's time is up or when the
// exporter stops, whichever comes first, and end() lets go of both at once. The platform's
// AbortSignal.timeout keeps its timer, and AbortSignal.any its link from the long-lived stop
// signal, until the time limit has passed even when the request ended long before: at 500
// images rechecked every 15 s that was about 500 live timers and 2 000 weak references, 0.5 MiB
// of heap and far more garbage (BENCHMARKS.md, case 4). The stop signal carries one listener
// however many requests are in flight (an EventTarget warns of a leak beyond ten), which tells
// the deadlines waiting on it.

/** Per stop signal, the deadlines to abort when it fires. */
const waitingOnStop = new WeakMap<AbortSignal, Set<() => void>>();

function whenStopped(stopping: AbortSignal, onStop: () => void): void {
  let waiting = waitingOnStop.get(stopping);
  if (!waiting) {
    const created = new Set<() => void>();
    waitingOnStop.set(stopping, (waiting = created));
    stopping.addEventListener('abort', () => {
      for (const stop of created) stop();
      created.clear();
    }, { once: true });
  }
  waiting.add(onStop);
}

export class RequestDeadline {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onStop = () => this.controller.abort(this.stopping.reason);
  private timedOut = false;

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
    if (stopping.aborted) this.onStop();
    else whenStopped(stopping, this.onStop);
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
    waitingOnStop.get(this.stopping)?.delete(this.onStop);
  }
}
