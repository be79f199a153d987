// The manifest linters test/linters/build.sh builds (kubeconform, kube-score), run on a file of
// Kubernetes objects, and the API server's own strict dry run, their findings read into one shape.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { K8sObject } from './helm.js';
import { kubectl } from './kubectl.js';
import { cacheDir, repoRoot, run } from './tools.js';

/** One thing a linter found: which object, which of its checks, what it said. */
export type Finding = { linter: string; object: string; check: string; message: string };

const buildScript = join(repoRoot, 'test', 'linters', 'build.sh');

/** The linter's binary; throws, saying how to build it, when it is missing or older than build.sh. */
export function linterBinary(name: 'kubeconform' | 'kube-score'): string {
  const binary = join(cacheDir, 'bin', name);
  const hint = 'run test/linters/build.sh (needs Go and the Go module proxy; test/install-prereqs.sh runs it)';
  if (!existsSync(binary)) throw new Error(`${name} is not built (${binary} is missing): ${hint}`);
  if (statSync(buildScript).mtimeMs > statSync(binary).mtimeMs) throw new Error(`${name} is older than test/linters/build.sh, which pins its version: ${hint}`);
  return binary;
}

type KubeconformResource = { kind: string; name: string; status: string; msg: string };

/**
 * kubeconform -strict on the file against the schemas at schemaLocation (a -schema-location
 * template): one finding per object that is invalid or could not be validated (no schema for its
 * kind, unreadable document), its message kubeconform's whole account of what is wrong.
 */
export function kubeconform(file: string, schemaLocation: string): Finding[] {
  const result = run(linterBinary('kubeconform'), ['-strict', '-summary', '-output', 'json', '-schema-location', schemaLocation, file]);
  let resources: KubeconformResource[] = [];
  try {
    resources = (JSON.parse(result.stdout) as { resources: KubeconformResource[] | null }).resources ?? [];
  } catch {
    // Not its JSON report: the message below quotes what it printed instead.
  }
  if (result.status !== 0 && resources.length === 0) throw new Error(`${result.command} exited ${result.status} without a finding in its report\n${result.stdout}\n${result.stderr}`);
  return resources.map((resource) => ({ linter: 'kubeconform', object: `${resource.kind}/${resource.name}`, check: resource.status, message: resource.msg }));
}

type KubeScoreCheck = {
  check: { id: string; name: string };
  grade: number;
  skipped: boolean;
  comments: Array<{ path: string; summary: string; description: string }> | null;
};
type KubeScoreObject = { type_meta: { kind: string }; object_meta: { name: string }; checks: KubeScoreCheck[] };

/** kube-score's grade for a check that passed. */
const ALL_OK = 10;

/** kube-score on the file: one finding per check graded below "all OK" and not skipped. */
export function kubeScore(file: string): Finding[] {
  const result = run(linterBinary('kube-score'), ['score', '--output-format', 'json', file]);
  if (!result.stdout.trim().startsWith('[')) throw new Error(`${result.command} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  const objects = JSON.parse(result.stdout) as KubeScoreObject[];
  return objects.flatMap((scored) =>
    scored.checks
      .filter((check) => !check.skipped && check.grade < ALL_OK)
      .map((check) => ({
        linter: 'kube-score',
        object: `${scored.type_meta.kind}/${scored.object_meta.name}`,
        check: check.check.id,
        message: (check.comments ?? []).map((comment) => `${comment.path ? `${comment.path}: ` : ''}${comment.summary}`).join('; ') || check.check.name,
      })),
  );
}

/**
 * Each object applied to the API server in a server-side dry run with strict field validation, one
 * at a time so each finding names its object: an object the server refuses (unknown field, unknown
 * kind, invalid value) is an "error" finding, and each Warning it answers with (a deprecated API,
 * as pluto would flag, or a questionable value) a "warning" finding.
 */
export async function serverDryRun(kubeconfig: string, objects: K8sObject[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const object of objects) {
    const name = `${object.kind}/${object.metadata.name}`;
    const result = await kubectl(kubeconfig, ['apply', '--server-side', '--dry-run=server', '--validate=strict', '-f', '-'], stringify(object), 60_000);
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('Warning: '));
    for (const warning of warnings) findings.push({ linter: 'kube-apiserver', object: name, check: 'warning', message: warning.slice('Warning: '.length) });
    if (result.code !== 0) {
      const error = result.stderr.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('Warning: ')).join(' ');
      findings.push({ linter: 'kube-apiserver', object: name, check: 'error', message: error });
    }
  }
  return findings;
}
