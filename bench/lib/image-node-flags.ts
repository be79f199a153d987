// The Node flags of the image's ENTRYPOINT and the environment its ENV lines set, so that a case
// measures the process as it ships; and
// the NODE_OPTIONS the chart adds at its default values (the heap limit it derives from the
// container's memory limit), for the cases that measure the exporter as it runs in a cluster.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { helm3, only, render } from '../../test/support/helm.js';

function dockerfile(): string {
  return readFileSync(fileURLToPath(new URL('../../../Dockerfile', import.meta.url)), 'utf8');
}

export function imageNodeFlags(): string[] {
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile());
  if (!entrypoint) throw new Error('the Dockerfile has no ENTRYPOINT [...] line to take the Node flags from');
  return (JSON.parse(entrypoint[1]) as string[]).filter((arg) => arg.startsWith('--'));
}

/** The image's last stage (the one it runs), from its FROM line on. */
export function runtimeStage(): string {
  return dockerfile().split(/^FROM /m).pop() ?? '';
}

/** The process environment with the variables the image's last stage sets (`ENV KEY=value ...` lines) on top. */
export function imageEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [, pairs] of runtimeStage().matchAll(/^ENV (.+)$/gm)) {
    for (const pair of pairs!.trim().split(/\s+/)) {
      const equals = pair.indexOf('=');
      if (equals <= 0) throw new Error(`the Dockerfile's ENV line "${pairs}" is not KEY=value pairs, the form the benchmarks read`);
      env[pair.slice(0, equals)] = pair.slice(equals + 1);
    }
  }
  return env;
}

/** The chart's NODE_OPTIONS for its default values, as flags (none if it sets none), from `helm template`. */
export function chartNodeOptions(): string[] {
  const deployment = only(render(helm3), 'Deployment') as unknown as { spec: { template: { spec: { containers: Array<{ env?: Array<{ name: string; value?: string }> }> } } } };
  const value = deployment.spec.template.spec.containers[0].env?.find((entry) => entry.name === 'NODE_OPTIONS')?.value;
  return value ? value.split(/\s+/).filter(Boolean) : [];
}
