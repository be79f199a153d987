// The image runs V8 without its optimizing compiler (the Dockerfile's ENTRYPOINT has --max-opt=0);
// the chart's optimizingCompiler value runs the same command without that flag. Rendered by the
// real helm 3 and helm 4; the flags are handed to the real Node.js to see what they do.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helms, only, render } from '../support/helm.js';
import { optimizesHotCode } from '../support/hot-code.js';
import { repoRoot } from '../support/tools.js';

const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'))![1]) as string[];
const maxOpt = entrypoint.find((arg) => /^--max-opt=\d+$/.test(arg));

function command(objects: ReturnType<typeof render>, kind = 'Deployment'): string[] | undefined {
  const workload = only(objects, kind) as unknown as { spec: { template: { spec: { containers: Array<{ command?: string[] }> } } } };
  return workload.spec.template.spec.containers[0].command;
}

test("the image's ENTRYPOINT turns the optimizing compiler off, and Node.js then leaves hot code unoptimized", () => {
  expect(maxOpt).toBeDefined();
  const flags = entrypoint.filter((arg) => arg.startsWith('--'));
  expect(optimizesHotCode(flags)).toBe(false);
  expect(optimizesHotCode(flags.filter((flag) => flag !== maxOpt))).toBe(true);
});

describe.each(helms)('$name', ({ path: binary }) => {
  test('by default the container runs the image\'s ENTRYPOINT (no command)', () => {
    expect(command(render(binary))).toBeUndefined();
    expect(command(render(binary, { values: { shards: 3 } }), 'StatefulSet')).toBeUndefined();
  });

  test(`optimizingCompiler: true → the ENTRYPOINT without ${maxOpt}, in the Deployment and in the sharded StatefulSet`, () => {
    const expected = entrypoint.filter((arg) => arg !== maxOpt);
    expect(command(render(binary, { values: { optimizingCompiler: true } }))).toEqual(expected);
    expect(command(render(binary, { values: { optimizingCompiler: true, shards: 3 } }), 'StatefulSet')).toEqual(expected);
    expect(optimizesHotCode(expected.filter((arg) => arg.startsWith('--')))).toBe(true);
  });
});
