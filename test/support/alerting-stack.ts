// The path from a metric to a human: a real Prometheus that scrapes what the test names and
// evaluates the shipped alert rules (their `for:` shortened so a test does not wait minutes), a
// real Alertmanager, and a webhook receiver here that keeps every notification.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort, startProcess, waitForHttp, type ManagedProcess } from './processes.js';
import { cacheDir } from './tools.js';

export type Notification = { status: string; alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }> };

export interface AlertingStack {
  prometheusUrl: string;
  notifications: Notification[];
  /** The first alert named `alertname` with this status in any notification so far. */
  alert(alertname: string, status: 'firing' | 'resolved'): Notification['alerts'][number] | undefined;
  stop(): Promise<void>;
}

export type AlertingStackOptions = {
  /** A rules file of monitoring/ (or any path): every rule's `for:` becomes `ruleFor`. */
  rulesFile: string;
  ruleFor?: string;
  /** Prometheus scrape_configs entries. */
  scrapeConfigs: object[];
  /** Default: Debian's prometheus. prometheusWithKubernetesSd() for kubernetes_sd_configs. */
  prometheus?: string;
};

/** The Prometheus built by test/prometheus/build.sh: Debian's has no Kubernetes service discovery. */
export function prometheusWithKubernetesSd(): string {
  const binary = join(cacheDir, 'bin', 'prometheus-k8s');
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run test/prometheus/build.sh`);
  return binary;
}

export async function startAlertingStack(options: AlertingStackOptions): Promise<AlertingStack> {
  const dir = await mkdtemp(join(tmpdir(), 'iae-alerting-'));
  const notifications: Notification[] = [];
  const receiver: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      notifications.push(JSON.parse(body) as Notification);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  const processes: ManagedProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.map((process) => process.stop()));
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const rules = parse(readFileSync(options.rulesFile, 'utf8')) as { groups: Array<{ rules: Array<{ for?: string }> }> };
    rules.groups.forEach((group) => group.rules.forEach((rule) => rule.for && (rule.for = options.ruleFor ?? '2s')));
    writeFileSync(join(dir, 'rules.yaml'), stringify(rules));

    const amPort = await freePort();
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      stringify({
        route: { receiver: 'test', group_by: ['alertname', 'namespace'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
        receivers: [{ name: 'test', webhook_configs: [{ url: receiverUrl, send_resolved: true }] }],
      }),
    );
    const alertmanager = startProcess('prometheus-alertmanager', [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
    ]);
    processes.push(alertmanager);
    await waitForHttp(`http://127.0.0.1:${amPort}/-/ready`, 30_000, alertmanager);

    const promPort = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [join(dir, 'rules.yaml')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
        scrape_configs: options.scrapeConfigs,
      }),
    );
    const prometheus = startProcess(options.prometheus ?? 'prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'prom-data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    processes.push(prometheus);
    await waitForHttp(`http://127.0.0.1:${promPort}/-/ready`, 30_000, prometheus);
    return {
      prometheusUrl: `http://127.0.0.1:${promPort}`,
      notifications,
      alert: (alertname, status) => notifications.flatMap((n) => n.alerts).find((a) => a.labels.alertname === alertname && a.status === status),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
