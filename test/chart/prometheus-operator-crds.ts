// prometheus-operator's own CRD manifests (PodMonitor, ServiceMonitor, PrometheusRule), taken from
// its Go module through the Go module proxy (`go mod download`, checksums verified against the Go
// checksum database) and copied once into test/.cache as a chart of CRDs; the repository keeps none
// of their source.
import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goModuleDir } from '../support/go-module.js';
import { cacheDir } from '../support/tools.js';

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
  const moduleDir = goModuleDir(MODULE, PROMETHEUS_OPERATOR_VERSION, 'the CRD manifests');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), `apiVersion: v2\nname: prometheus-operator-crds\nversion: ${PROMETHEUS_OPERATOR_VERSION.slice(1)}\n`);
  for (const file of FILES) {
    const partial = join(dir, `${file}.${process.pid}.partial`);
    copyFileSync(join(moduleDir, 'example', 'prometheus-operator-crd', file), partial);
    renameSync(partial, join(dir, file));
  }
  return chart;
}
