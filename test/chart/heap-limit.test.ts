// The Node.js heap limit the chart derives from the container's memory limit, rendered by the real
// helm 3 and helm 4 and read back by the real Node.js.
import { execFileSync } from 'node:child_process';
import { helms, only, render, template } from '../support/helm.js';

type Env = Array<{ name: string; value?: string }>;

function exporterEnv(objects: ReturnType<typeof render>, kind = 'Deployment'): Env {
  const workload = only(objects, kind) as unknown as { spec: { template: { spec: { containers: Array<{ env: Env }> } } } };
  return workload.spec.template.spec.containers[0].env;
}

const nodeOptions = (env: Env) => env.filter((entry) => entry.name === 'NODE_OPTIONS').map((entry) => entry.value);

describe.each(helms)('$name', ({ path: binary }) => {
  test('the default 256Mi limit → old space of 160 MiB, in the Deployment and in the sharded StatefulSet', () => {
    expect(nodeOptions(exporterEnv(render(binary)))).toEqual(['--max-old-space-size=160']);
    expect(nodeOptions(exporterEnv(render(binary, { values: { shards: 3 } }), 'StatefulSet'))).toEqual(['--max-old-space-size=160']);
  });

  test.each([
    ['1Gi', 640],
    ['0.5Gi', 320],
    ['512M', 305],
    [268435456, 160],
  ])('limit %s → old space of %i MiB (5/8 of the limit)', (memory, mebibytes) => {
    expect(nodeOptions(exporterEnv(render(binary, { values: { resources: { limits: { memory } } } })))).toEqual([`--max-old-space-size=${mebibytes}`]);
  });

  test('no memory limit → no NODE_OPTIONS: Node.js sizes the heap itself', () => {
    expect(nodeOptions(exporterEnv(render(binary, { values: { resources: { limits: null } } })))).toEqual([]);
  });

  test('NODE_OPTIONS in extraEnv is the only one', () => {
    const env = exporterEnv(render(binary, { values: { extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=400' }] } }));
    expect(nodeOptions(env)).toEqual(['--max-old-space-size=400']);
  });

  test('a limit the chart cannot read fails the render naming the value and what to do', () => {
    const result = template(binary, { values: { resources: { limits: { memory: 'lots' } } } });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('resources.limits.memory lots');
    expect(result.stderr).toContain('set NODE_OPTIONS');
  });
});

test('Node.js takes the rendered NODE_OPTIONS: its heap limit is 160 MiB of old space plus the young generation', () => {
  const [options] = nodeOptions(exporterEnv(render(helms[0].path)));
  const limit = Number(
    execFileSync(process.execPath, ['-e', 'process.stdout.write(String(require("node:v8").getHeapStatistics().heap_size_limit))'], {
      env: { PATH: process.env.PATH, NODE_OPTIONS: options },
    }),
  );
  expect(limit).toBeGreaterThanOrEqual(160 * 1024 * 1024);
  // V8 adds three semi-spaces (16 MiB each at most, by default) to the old space it was given.
  expect(limit).toBeLessThanOrEqual((160 + 48) * 1024 * 1024);
});
