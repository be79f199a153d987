// Where log lines go when stdout is a pipe (as in a container): written without blocking, at
// most MAX_PENDING_BYTES waiting for the reader. A reader that stops reading (a stalled log
// shipper, a full pipe) must not stop the event loop, and with it /healthz, /metrics and the
// handling of SIGTERM: lines beyond that are dropped and counted, and once the pipe drains one
// line says how many were lost. A synchronous write to a full pipe would block until it drains.
import { Socket } from 'node:net';

/** Lines waiting for the reader at most; far more than a burst of warnings, little memory. */
export const MAX_PENDING_BYTES = 1024 * 1024;

export class LogSink {
  /** Lines dropped since the start, for the exporter's own metric. */
  dropped = 0;
  private unreported = 0;
  private broken = false;

  constructor(
    private readonly stream: Socket,
    /** Told once the reader caught up after lines were dropped, with how many. */
    private readonly onDrained: (dropped: number) => void,
    private readonly maxPendingBytes = MAX_PENDING_BYTES,
  ) {
    // A closed pipe (EPIPE) cannot be reported anywhere: later lines are dropped.
    stream.on('error', () => {
      this.broken = true;
    });
    stream.on('drain', () => {
      if (this.unreported === 0 || this.broken) return;
      const dropped = this.unreported;
      this.unreported = 0;
      this.onDrained(dropped);
    });
  }

  /** pino's destination interface: one JSON line at a time. */
  write(line: string): boolean {
    if (this.broken || this.stream.destroyed || this.stream.writableLength + line.length > this.maxPendingBytes) {
      this.dropped++;
      this.unreported++;
    } else {
      this.stream.write(line);
    }
    return true;
  }
}

/** A non-blocking writer on a pipe or socket file descriptor, which never keeps the process alive by itself. */
export function pipeSink(fd: number, onDrained: (dropped: number) => void): LogSink {
  const stream = new Socket({ fd, readable: false, writable: true });
  stream.unref();
  return new LogSink(stream, onDrained);
}
