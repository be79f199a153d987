// Structured JSON logs on stdout. Anything that could carry a credential is redacted by key,
// as a second line of defence: the code never puts secret values into log fields.
import { pino, type Logger as PinoLogger } from 'pino';

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
    destination as never,
  );
}
