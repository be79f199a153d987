// The Node flags of the image's ENTRYPOINT and the environment its ENV lines set, so that a case
// measures the process as it ships; and
// the NODE_OPTIONS the chart adds at its default values (the heap limit it derives from the
// container's memory limit), for the cases that measure the exporter as it runs in a cluster.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helm3, only, render } from '../../test/support/helm.js';
import { repoRoot } from '../../test/support/tools.js';

function dockerfile(): string {
  return readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
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

/** The image the last stage is built on, its `${ARG}` resolved to the ARG's default (the official base). */
export function runtimeBaseImage(): string {
  const from = runtimeStage().split('\n')[0].trim().split(/\s+/)[0];
  return from.replace(/^\$\{(\w+)\}$/, (whole, name: string) => {
    const declared = new RegExp(`^ARG ${name}=(\\S+)$`, 'm').exec(dockerfile());
    if (!declared) throw new Error(`the Dockerfile's last stage is FROM ${whole}, and no ARG ${name}=default line gives its default`);
    return declared[1];
  });
}

/**
 * The process environment without this machine's Node.js settings (NODE_OPTIONS,
 * NODE_EXTRA_CA_CERTS and the like, which the image does not have: a machine whose
 * NODE_EXTRA_CA_CERTS names the system's 144 certificates makes every process parse them at start,
 * about 1 MiB), with the variables the image's last stage sets (`ENV KEY=value ...` lines) on top.
 */
export function imageEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('NODE_')));
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
