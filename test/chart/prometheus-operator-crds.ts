// prometheus-operator's own CRD manifests (PodMonitor, ServiceMonitor, PrometheusRule), taken from
// its Go module through the Go module proxy (`go mod download`, checksums verified against the Go
// checksum database) and copied once into test/.cache as a chart of CRDs; the repository keeps none
// of their source.
import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, run, which } from '../support/tools.js';

/** The operator release whose CRDs the install tests apply. */
export const PROMETHEUS_OPERATOR_VERSION = 'v0.85.0';
const MODULE = 'github.com/prometheus-operator/prometheus-operator';
const FILES = ['podmonitors', 'servicemonitors', 'prometheusrules'].map((plural) => `monitoring.coreos.com_${plural}.yaml`);

/**
 * A chart holding the three CRD manifests in its crds/ directory, so helm applies them as they are
 * (a typed API client drops their x-kubernetes-int-or-string markers and the server refuses them);
 * downloads the module the first time. Returns the chart's directory.
 */
export function prometheusOperatorCrdChart(): string {
  const chart = join(cacheDir, `prometheus-operator-crds-${PROMETHEUS_OPERATOR_VERSION}`);
  const dir = join(chart, 'crds');
  const paths = FILES.map((file) => join(dir, file));
  if (paths.every((path) => existsSync(path))) return chart;
  const go = process.env.GO || which('go');
  if (!go) throw new Error('go not found: the CRD manifests come from the prometheus-operator Go module; install Go (test/install-prereqs.sh) or set GO');
  // Outside any module, so the repository's go.mod files are neither read nor changed.
  const result = run(go, ['mod', 'download', '-json', `${MODULE}@${PROMETHEUS_OPERATOR_VERSION}`], { cwd: cacheDir, env: { ...process.env, GO111MODULE: 'on', GOFLAGS: '-mod=mod' }, timeoutMs: 300_000 });
  const answer = JSON.parse(result.stdout || '{}') as { Dir?: string; Error?: string };
  if (!answer.Dir) throw new Error(`go mod download ${MODULE}@${PROMETHEUS_OPERATOR_VERSION} failed: ${answer.Error ?? result.stderr.trim()}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), `apiVersion: v2\nname: prometheus-operator-crds\nversion: ${PROMETHEUS_OPERATOR_VERSION.slice(1)}\n`);
  for (const file of FILES) {
    const partial = join(dir, `${file}.${process.pid}.partial`);
    copyFileSync(join(answer.Dir, 'example', 'prometheus-operator-crd', file), partial);
    renameSync(partial, join(dir, file));
  }
  return chart;
}
