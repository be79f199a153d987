// One workload of each kind the exporter watches, in namespace `shop`, each with one container
// named `app` running `image`, as a multi-document manifest for `kubectl apply -f -`. Their pods
// run on the test node (the Job's exits at once, the CronJob's schedule never comes in a test).
import { stringify } from 'yaml';

export function workloadManifests(image: string): string {
  const template = (app: string, extra: object = {}) => ({
    metadata: { labels: { app } },
    spec: { containers: [{ name: 'app', image, ...extra }], terminationGracePeriodSeconds: 1 },
  });
  const selector = (app: string) => ({ selector: { matchLabels: { app } } });
  const documents = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'deploy', namespace: 'shop' }, spec: { ...selector('deploy'), template: template('deploy') } },
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'sts', namespace: 'shop' }, spec: { serviceName: 'sts', ...selector('sts'), template: template('sts') } },
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ds', namespace: 'shop' }, spec: { ...selector('ds'), template: template('ds') } },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'job', namespace: 'shop' },
      spec: { template: { ...template('job', { command: ['/bin/busybox', 'true'] }), spec: { ...template('job', { command: ['/bin/busybox', 'true'] }).spec, restartPolicy: 'Never' } } },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'cron', namespace: 'shop' },
      spec: { schedule: '0 0 1 1 *', jobTemplate: { spec: { template: { ...template('cron'), spec: { ...template('cron').spec, restartPolicy: 'Never' } } } } },
    },
  ];
  return documents.map((document) => stringify(document)).join('---\n');
}
