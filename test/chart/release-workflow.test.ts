// .github/workflows/release.yaml (and ci.yaml): linted by actionlint (built from its Go module through the Go
// module proxy into test/.cache; skipped, saying why, where Go or the proxy is missing), its shape
// checked (tag trigger, least permissions, multi-platform buildx push, helm push to OCI), and its
// chart step run for real with helm: the packaged chart defaults to the pushed image.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { chartDir, helm, helm3, only, parseManifests } from '../support/helm.js';
import { cacheDir, repoRoot, run, which } from '../support/tools.js';

const ACTIONLINT = 'github.com/rhysd/actionlint/cmd/actionlint@v1.7.7';
const workflowPath = join(repoRoot, '.github', 'workflows', 'release.yaml');

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = { needs?: string; permissions?: Record<string, string>; env?: Record<string, string>; steps: Step[] };
type Workflow = { on: { push: { tags: string[] } }; permissions: Record<string, string>; jobs: Record<string, Job> };
const workflow = parse(readFileSync(workflowPath, 'utf8')) as Workflow;
const release = workflow.jobs.release;

/** actionlint built once into test/.cache/bin, or why it cannot be. */
function actionlint(): { path?: string; unavailable?: string } {
  const bin = join(cacheDir, 'bin');
  const path = join(bin, 'actionlint');
  if (existsSync(path)) return { path };
  const go = process.env.GO || which('go');
  if (!go) return { unavailable: 'Go is not installed (test/install-prereqs.sh), so actionlint cannot be built' };
  mkdirSync(bin, { recursive: true });
  const result = run(go, ['install', ACTIONLINT], { cwd: cacheDir, env: { ...process.env, GOBIN: bin, GOFLAGS: '-mod=mod' }, timeoutMs: 300_000 });
  if (result.status !== 0 || !existsSync(path)) return { unavailable: `go install ${ACTIONLINT} failed: ${result.stderr.trim().split('\n').slice(-2).join(' ')}` };
  return { path };
}

describe('release workflow', () => {
  const linter = actionlint();
  if (linter.unavailable) {
    console.warn(`actionlint skipped: ${linter.unavailable}`);
    test.skip(`actionlint: ${linter.unavailable}`, () => {});
  } else {
    test('actionlint finds nothing in any workflow (syntax, expressions, action inputs, untrusted input in scripts)', () => {
      const workflows = readdirSync(dirname(workflowPath)).map((file) => join(dirname(workflowPath), file));
      expect(workflows.map((file) => file.split('/').pop()).sort()).toEqual(['ci.yaml', 'release.yaml']);
      const result = run(linter.path!, ['-no-color', ...workflows]);
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    });
  }

  test('runs on a version tag only, after the tests, with write access to packages and releases in the release job only', () => {
    expect(workflow.on).toEqual({ push: { tags: ['v[0-9]+.[0-9]+.[0-9]+'] } });
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(release.needs).toBe('test');
    expect(release.permissions).toEqual({ contents: 'write', packages: 'write' });
    expect(workflow.jobs.test.permissions).toBeUndefined();
  });

  test('builds the image for amd64 and arm64 with buildx and pushes it, tagged with the version', () => {
    const uses = release.steps.map((step) => step.uses?.split('@')[0]);
    expect(uses).toEqual(expect.arrayContaining(['docker/setup-qemu-action', 'docker/setup-buildx-action', 'docker/login-action', 'docker/build-push-action']));
    const build = release.steps.find((step) => step.uses?.startsWith('docker/build-push-action'))!;
    expect(build.with).toMatchObject({ platforms: 'linux/amd64,linux/arm64', push: true, tags: '${{ env.IMAGE }}:${{ steps.version.outputs.version }}' });
    expect(release.env?.IMAGE).toBe('ghcr.io/${{ github.repository_owner }}/k8s-image-availability-exporter');
  });

  test('pushes the chart as an OCI artifact with helm push', () => {
    const push = release.steps.find((step) => step.run?.includes('helm push'))!;
    expect(push.run).toContain('helm push "chart-package/k8s-image-availability-exporter-${VERSION}.tgz" "$CHART_REPOSITORY"');
    expect(release.env?.CHART_REPOSITORY).toMatch(/^oci:\/\//);
    expect(push.run).toContain('--password-stdin');
  });

  test('its version step accepts the tag of the package.json version and refuses any other, saying what to change', () => {
    const step = release.steps.find((entry) => entry.name === 'Version from the tag')!;
    const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    const work = mkdtempSync(join(tmpdir(), 'iae-release-'));
    try {
      const output = join(work, 'output');
      const runWith = (tag: string) => run('bash', ['-c', step.run!], { cwd: repoRoot, env: { ...process.env, TAG: tag, GITHUB_OUTPUT: output } });
      const accepted = runWith(`v${version}`);
      expect(accepted.status).toBe(0);
      expect(readFileSync(output, 'utf8')).toBe(`version=${version}\n`);
      const refused = runWith('v99.0.0');
      expect(refused.status).toBe(1);
      expect(refused.stdout).toContain(`::error::tag v99.0.0 does not match package.json version ${version}`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('its manifests step, run with the real helm after the chart step, attaches the chart rendered with the pushed image to the release', () => {
    const packageStep = release.steps.find((entry) => entry.name === 'Package the chart with the published image')!;
    const attachStep = release.steps.find((entry) => entry.name === 'Attach plain manifests to the release')!;
    const work = mkdtempSync(join(tmpdir(), 'iae-release-'));
    try {
      cpSync(chartDir, join(work, 'chart'), { recursive: true, verbatimSymlinks: true });
      cpSync(join(repoRoot, 'monitoring'), join(work, 'monitoring'), { recursive: true });
      cpSync(join(repoRoot, 'scripts'), join(work, 'scripts'), { recursive: true });
      // A stand-in for GitHub's CLI, which needs GitHub: it records its arguments, and knows no release yet.
      mkdirSync(join(work, 'bin'));
      writeFileSync(join(work, 'bin', 'gh'), '#!/bin/sh\necho "$*" >> "$GH_LOG"\n[ "$2" = view ] && exit 1\nexit 0\n', { mode: 0o755 });
      const image = 'ghcr.io/acme/k8s-image-availability-exporter';
      const env = { ...process.env, IMAGE: image, VERSION: '1.2.3', TAG: 'v1.2.3', CHART_REPOSITORY: 'oci://ghcr.io/acme/charts', GH_LOG: join(work, 'gh.log'), PATH: `${join(work, 'bin')}:${dirname(helm3)}:${process.env.PATH}`, HELM_CACHE_HOME: join(work, '.helm') };
      for (const step of [packageStep, attachStep]) {
        const result = run('bash', ['-c', step.run!], { cwd: work, env });
        if (result.status !== 0) throw new Error(`${step.name}: ${result.stdout}\n${result.stderr}`);
      }
      const manifests = parseManifests(readFileSync(join(work, 'k8s-image-availability-exporter-1.2.3.yaml'), 'utf8'));
      expect(manifests[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'k8s-image-availability-exporter' } });
      const deployment = only(manifests, 'Deployment') as unknown as { spec: { template: { spec: { containers: Array<{ image: string }> } } } };
      expect(deployment.spec.template.spec.containers[0].image).toBe(`${image}:1.2.3`);
      const calls = readFileSync(join(work, 'gh.log'), 'utf8').trim().split('\n');
      expect(calls[0]).toBe('release view v1.2.3');
      expect(calls[1]).toMatch(/^release create v1\.2\.3 --verify-tag --title v1\.2\.3 --notes .*kubectl apply -f k8s-image-availability-exporter-1\.2\.3\.yaml$/);
      expect(calls[2]).toBe('release upload v1.2.3 k8s-image-availability-exporter-1.2.3.yaml --clobber');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test("its chart step, run with the real helm, packages a chart whose default image is the pushed one", () => {
    const step = release.steps.find((entry) => entry.name === 'Package the chart with the published image')!;
    const work = mkdtempSync(join(tmpdir(), 'iae-release-'));
    try {
      // The checkout as the runner has it: chart/ with its links into monitoring/.
      cpSync(chartDir, join(work, 'chart'), { recursive: true, verbatimSymlinks: true });
      cpSync(join(repoRoot, 'monitoring'), join(work, 'monitoring'), { recursive: true });
      const image = 'ghcr.io/acme/k8s-image-availability-exporter';
      const result = run('bash', ['-c', step.run!], {
        cwd: work,
        env: { ...process.env, IMAGE: image, VERSION: '1.2.3', PATH: `${dirname(helm3)}:${process.env.PATH}`, HELM_CACHE_HOME: join(work, '.helm') },
      });
      if (result.status !== 0) throw new Error(`${result.stdout}\n${result.stderr}`);
      const packaged = join(work, 'chart-package', 'k8s-image-availability-exporter-1.2.3.tgz');
      const rendered = helm(helm3, ['template', 'k8s-image-availability-exporter', packaged]);
      expect(rendered.status).toBe(0);
      const deployment = only(parseManifests(rendered.stdout), 'Deployment') as unknown as { spec: { template: { spec: { containers: Array<{ image: string }> } } } };
      expect(deployment.spec.template.spec.containers[0].image).toBe(`${image}:1.2.3`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
