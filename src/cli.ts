#!/usr/bin/env node
// Entry point: settings, logger, run, and a clean stop on SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import { CHECK_HELP, runCheckCommand } from './check-command/command.js';
import { ConfigError, helpText, loadSettings } from './settings/config.js';
import { createLogger } from './log/log.js';
import { runExporter } from './main.js';

/** How long a stop may take: in-flight registry requests are aborted, so this is only a backstop. */
const STOP_DEADLINE_MS = 1500;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === 'check') {
    process.exitCode = await check(args.slice(1));
    return;
  }
  // -help: Go's flag package spells it so.
  if (args.some((arg) => arg === '--help' || arg === '-help' || arg === '-h')) {
    process.stdout.write(`${helpText()}\n`);
    return;
  }
  let settings;
  try {
    settings = loadSettings(args, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`invalid settings: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(settings.logLevel);
  const running = runExporter(settings, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // Kubernetes sends SIGKILL after the grace period: better to leave now, saying so.
    const force = setTimeout(() => {
      log.warn({ deadlineMs: STOP_DEADLINE_MS }, 'exporter stopped before every connection had closed; nothing to do, they were dropped');
      process.exit(0);
    }, STOP_DEADLINE_MS);
    force.unref();
    running.then((exporter) => exporter.stop()).then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ error: String((error as Error)?.message ?? error) }, 'exporter stopped with an error; the next start begins afresh');
        process.exit(1);
      },
    );
  };
  // Before the start completes: a signal during it (or right after its log line) still stops cleanly.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await running;
}

async function check(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${CHECK_HELP}\n`);
    return 0;
  }
  return runCheckCommand(args, { stdout: process.stdout, stderr: process.stderr, stdin: () => readFileSync(0, 'utf8'), env: process.env });
}

main().catch((error) => {
  process.stderr.write(`fatal: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
