#!/usr/bin/env bash
# Plain manifests for `kubectl apply -f deploy/`, for those without Helm: the chart rendered with
# its defaults into namespace k8s-image-availability-exporter, after that Namespace itself.
# Usage: scripts/render-manifests.sh [CHART] [OUTPUT]
#   CHART   chart directory or packaged .tgz (default: chart)
#   OUTPUT  file written (default: deploy/k8s-image-availability-exporter.yaml)
# test/chart/plain-manifests.test.ts checks the committed file is what this prints; the release
# workflow runs it on the packaged chart and attaches the result to the release.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
chart="${1:-$root/chart}"
output="${2:-$root/deploy/k8s-image-availability-exporter.yaml}"
namespace=k8s-image-availability-exporter
command -v helm >/dev/null || { echo "render-manifests.sh: helm is not on PATH: install helm 3 or 4" >&2; exit 1; }
rendered="$(helm template k8s-image-availability-exporter "$chart" --namespace "$namespace" --skip-tests)"
{
  echo "# k8s-image-availability-exporter with the chart's default values, rendered by"
  echo "# scripts/render-manifests.sh from the Helm chart (chart/): apply with kubectl apply -f deploy/."
  echo "# The image is the chart's default: in the repository the one make image builds; in the file"
  echo "# attached to each release, the published one. To change a setting, install the chart instead."
  echo "apiVersion: v1"
  echo "kind: Namespace"
  echo "metadata:"
  echo "  name: $namespace"
  printf '%s\n' "$rendered"
} > "$output"
