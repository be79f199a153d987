// The Node flags of the image's ENTRYPOINT, so that a case measures the process as it ships; and
// the NODE_OPTIONS the chart adds at its default values (the heap limit it derives from the
// container's memory limit), for the cases that measure the exporter as it runs in a cluster.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { helm3, only, render } from '../../test/support/helm.js';

export function imageNodeFlags(): string[] {
  const dockerfile = readFileSync(fileURLToPath(new URL('../../../Dockerfile', import.meta.url)), 'utf8');
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
  if (!entrypoint) throw new Error('the Dockerfile has no ENTRYPOINT [...] line to take the Node flags from');
  return (JSON.parse(entrypoint[1]) as string[]).filter((arg) => arg.startsWith('--'));
}

/** The chart's NODE_OPTIONS for its default values, as flags (none if it sets none), from `helm template`. */
export function chartNodeOptions(): string[] {
  const deployment = only(render(helm3), 'Deployment') as unknown as { spec: { template: { spec: { containers: Array<{ env?: Array<{ name: string; value?: string }> }> } } } };
  const value = deployment.spec.template.spec.containers[0].env?.find((entry) => entry.name === 'NODE_OPTIONS')?.value;
  return value ? value.split(/\s+/).filter(Boolean) : [];
}
