// Structured JSON logs on stdout. Anything that could carry a credential is redacted by key,
// as a second line of defence: the code never puts secret values into log fields.
import { fstatSync } from 'node:fs';
import { destination as pinoDestination, pino, type Logger as PinoLogger } from 'pino';
import { pipeSink, type LogSink } from './log-sink.js';

export type Logger = PinoLogger;

/** The sink of each logger that writes to a pipe: how many lines it dropped. */
const pipeSinks = new WeakMap<Logger, LogSink>();

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const sink = destination || !stdoutIsPipe() ? undefined : pipeSink(1, (dropped) => logger.warn({ dropped }, droppedMessage(dropped)));
  const logger: Logger = pino(
    {
      level,
      base: { app: 'k8s-image-availability-exporter' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['authorization', 'password', 'token', 'auth', '*.authorization', '*.password', '*.token', '*.auth', 'headers.authorization'],
        censor: '[redacted]',
      },
    },
    destination ?? sink ?? stdoutDestination(),
  );
  if (sink) pipeSinks.set(logger, sink);
  return logger;
}

/** Lines this logger dropped because its pipe was full or closed. */
export function droppedLogLines(logger: Logger): number {
  return pipeSinks.get(logger)?.dropped ?? 0;
}

function droppedMessage(dropped: number): string {
  return `${dropped} log lines were dropped because stdout was not read fast enough: is the log collector stalled? k8s_image_availability_exporter_log_lines_dropped_total counts them`;
}

function stdoutIsPipe(): boolean {
  try {
    const stat = fstatSync(1);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

/**
 * Synchronous writes to a file or terminal, which do not wait on a reader: the last line before
 * an exit is out before the process ends, and a failing stdout silences the logger.
 */
function stdoutDestination() {
  const destination = pinoDestination({ dest: 1, sync: true });
  // Nowhere left to report a failing stdout; the exporter's work does not depend on its logs.
  destination.on('error', () => {});
  return destination;
}
