#!/usr/bin/env bash
# Builds test/.cache/bin/prometheus-k8s from the Prometheus Go module: Debian's prometheus package
# is built without Kubernetes service discovery, which the real-node test needs to find the
# exporter's pod as a cluster's Prometheus would (monitoring/prometheus-scrape-config.yaml).
# Without its web UI assets (the API, scraping, rules and alerting are all there), and with only
# Kubernetes service discovery (Prometheus's build tags), which keeps the build short.
# Skips the build when the binary is newer than this script. Needs only Go and the module proxy.
set -euo pipefail
version=v0.316.0 # Prometheus 3.16
bin="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.cache/bin"
out="$bin/prometheus-k8s"
if [[ "${1:-}" != "--force" && -x "$out" && "$out" -nt "${BASH_SOURCE[0]}" ]]; then
  echo "prometheus-k8s is up to date: $out" >&2
  exit 0
fi
command -v go >/dev/null || { echo "build.sh: Go is not installed" >&2; exit 1; }
mkdir -p "$bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "building prometheus-k8s ($version, a first build takes several minutes)..." >&2
start=$SECONDS
GOBIN="$work" CGO_ENABLED=0 go install -trimpath -ldflags="-s -w" -tags remove_all_sd,enable_kubernetes_sd \
  "github.com/prometheus/prometheus/cmd/prometheus@$version"
mv -f "$work/prometheus" "$out"
echo "built $out in $((SECONDS - start))s" >&2
