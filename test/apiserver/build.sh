#!/usr/bin/env bash
# Builds test/.cache/bin/kube-testbed: kube-apiserver + embedded etcd in one
# binary, from the published Kubernetes Go modules (see go.mod for why the
# replace directives are there). Needs only Go and the Go module proxy.
#
# Skips the build when the binary is newer than main.go, go.mod and go.sum.
# A cold build (empty module and build caches) downloads ~0.6 GiB of modules
# and compiles the whole apiserver: expect many minutes on 2 cores.
#
# Usage: test/apiserver/build.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/../.cache/bin/kube-testbed"

if [[ "${1:-}" != "--force" && -x "$out" \
      && "$out" -nt "$here/main.go" && "$out" -nt "$here/go.mod" && "$out" -nt "$here/go.sum" ]]; then
  echo "kube-testbed is up to date: $out" >&2
  exit 0
fi

command -v go >/dev/null || { echo "build.sh: Go is not installed (https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
echo "building kube-testbed (first build takes several minutes)..." >&2
start=$SECONDS
cd "$here"
# -mod=readonly: go.sum is committed, so the build is reproducible and fails
# loudly instead of silently re-resolving versions. CGO is not needed.
# The binary is written to a temp name and moved, so an interrupted build never
# leaves a truncated binary that looks up to date.
CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly" \
  go build -trimpath -ldflags='-s -w' -o "$out.tmp" .
mv -f "$out.tmp" "$out"
echo "built $out in $((SECONDS - start))s" >&2
