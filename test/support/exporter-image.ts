// Builds the exporter's image from the repository's Dockerfile with the test's Docker engine, on
// base images made here (test/image/make-bases.sh: Node.js from the npm registry, Debian's
// libraries), and pushes it to a loopback registry for the node to pull.
import { join } from 'node:path';
import { imageNodeMajor } from '../../bench/lib/image-node.js';
import { type DockerEngine } from './docker-engine.js';
import { runAsync } from './processes.js';
import { repoRoot } from './tools.js';

export const BUILD_BASE = 'testbed.invalid/node-build:22';
export const RUNTIME_BASE = 'testbed.invalid/nodejs-runtime:22';

export type BuiltImage = { reference: string; buildMs: number; sizeBytes: number };

/** One line naming the step that failed, then the step's last output. */
function stepFailed(step: string, output: string): Error {
  return new Error(`image build failed at ${step}:\n${output.slice(-4000)}`);
}

export async function buildAndPushImage(engine: DockerEngine, reference: string): Promise<BuiltImage> {
  const started = Date.now();
  const bases = await runAsync('bash', [join(repoRoot, 'test', 'image', 'make-bases.sh'), BUILD_BASE, RUNTIME_BASE, String(imageNodeMajor())], {
    env: engine.env,
    timeoutMs: 600_000,
  });
  if (bases.code !== 0) throw stepFailed('making the base images (test/image/make-bases.sh)', bases.output);
  const build = await engine.docker(
    ['build', '--network', 'host', '--build-arg', `BUILD_BASE=${BUILD_BASE}`, '--build-arg', `RUNTIME_BASE=${RUNTIME_BASE}`, '-t', reference, repoRoot],
    { timeoutMs: 1_200_000 },
  );
  if (build.code !== 0) {
    const step = /^Step \d+\/\d+ : .*$/gm;
    const steps = build.output.match(step);
    throw stepFailed(`the Dockerfile's ${steps?.pop() ?? 'first step'}`, build.output);
  }
  const buildMs = Date.now() - started;
  const size = await engine.docker(['image', 'inspect', '--format', '{{.Size}}', reference]);
  const push = await engine.docker(['push', reference], { timeoutMs: 300_000 });
  if (push.code !== 0) throw stepFailed(`docker push ${reference}`, push.output);
  return { reference, buildMs, sizeBytes: Number(size.output.trim()) };
}
