// Structured JSON logs on stdout. Anything that could carry a credential is redacted by key,
// as a second line of defence: the code never puts secret values into log fields.
import { destination as pinoDestination, pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
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
    destination ?? stdoutDestination(),
  );
}

/**
 * Synchronous writes to stdout: the last line before an exit is out before the process ends, and
 * a closed log pipe (EPIPE) silences the logger instead of leaving the exit waiting to flush
 * into it forever (asynchronous pino flushes on exit and retries a broken pipe without end).
 */
function stdoutDestination() {
  const destination = pinoDestination({ dest: 1, sync: true });
  // Nowhere left to report a failing stdout; the exporter's work does not depend on its logs.
  destination.on('error', () => {});
  return destination;
}
