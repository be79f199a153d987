#!/usr/bin/env bash
# Builds the manifest linters test/chart/linters.test.ts runs on the rendered chart, from their
# published Go modules through the Go module proxy (checksums verified against the Go checksum
# database; sources go to the Go module cache, never into this repository):
# - test/.cache/bin/kubeconform: validates every object against JSON schemas the test generates
#   from the test bed's kube-apiserver (/openapi/v3), so nothing is fetched at lint time.
# - test/.cache/bin/kube-score: checks workloads, Services, NetworkPolicies and PodDisruptionBudgets
#   for missing resources, probes, security context and the like.
# Cold (empty module and build caches, 2 cores): kubeconform about 80 s, kube-score about 170 s
# (measured on a loaded 2-core machine).
# kube-linter, polaris, pluto, pint and chart-testing are not served by the Go module proxy this
# project can reach; docs/development.md says what stands in for each.
# Each binary is skipped when it is newer than this script (which pins the versions). One build at
# a time.
#
# Usage: test/linters/build.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/../.cache/bin"
force="${1:-}"
linters=(
  "kubeconform github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0"
  "kube-score github.com/zegl/kube-score/cmd/kube-score@v1.20.0"
)

for linter in "${linters[@]}"; do
  read -r name package <<<"$linter"
  out="$bin/$name"
  if [[ "$force" != "--force" && -x "$out" && "$out" -nt "${BASH_SOURCE[0]}" ]]; then
    echo "$name is up to date: $out" >&2
    continue
  fi
  command -v go >/dev/null || { echo "build.sh: Go is not installed (https://go.dev/dl)" >&2; exit 1; }
  mkdir -p "$bin"
  echo "building $name (${package#*@})..." >&2
  start=$SECONDS
  # Installed into a temporary directory and moved, so an interrupted build never leaves a binary
  # that looks up to date.
  work=$(mktemp -d)
  GOBIN="$work" CGO_ENABLED=0 go install -trimpath -ldflags='-s -w' "$package"
  mv -f "$work/$name" "$out"
  rm -rf "$work"
  echo "built $out in $((SECONDS - start))s" >&2
done
