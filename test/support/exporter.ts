// Runs the exporter in the test process with settings from the real schema and captured logs.
import { loadSettings, type Settings } from '../../src/settings/config.js';
import { createLogger } from '../../src/log/log.js';
import { runExporter } from '../../src/main.js';
import { parseMetrics, type Series } from './metrics-text.js';
import { capturedLogs } from './captured-logs.js';

export type TestExporter = {
  url: string;
  /** The admission webhook's port, when admissionBindAddress is set. */
  admissionPort?: number;
  logs: string[];
  series(): Promise<Series[]>;
  scrape(): Promise<string>;
  stop(): Promise<void>;
};

export async function startExporter(overrides: Partial<Settings>): Promise<TestExporter> {
  const settings = { ...loadSettings(['--bind-address=127.0.0.1:0', '--log-level=debug'], {}), ...overrides };
  const { logs, sink } = capturedLogs();
  const exporter = await runExporter(settings, createLogger(settings.logLevel, sink));
  const url = `http://127.0.0.1:${exporter.port}`;
  const scrape = async () => {
    const response = await fetch(`${url}/metrics`);
    if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
    return response.text();
  };
  return { url, admissionPort: exporter.admissionPort, logs, scrape, series: async () => parseMetrics(await scrape()), stop: () => exporter.stop() };
}
