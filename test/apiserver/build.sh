#!/usr/bin/env bash
# Builds test/.cache/bin/kube-testbed: kube-apiserver + embedded etcd in one
# binary, from the published Kubernetes Go modules (see go.mod for why the
# replace directives are there). Needs only Go and the Go module proxy.
#
# The binary reports the k8s.io/kubernetes version of go.mod (e.g. v1.34.4) as its /version, like a
# released kube-apiserver: helm checks a chart's kubeVersion against it, and the module's default
# (v0.0.0-master) fails every such check.
#
# Skips the build when the binary is newer than main.go, go.mod, go.sum and this script.
# A cold build (empty module and build caches) downloads ~0.6 GiB of modules
# and compiles the whole apiserver: expect many minutes on 2 cores.
#
# Usage: test/apiserver/build.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/../.cache/bin/kube-testbed"

if [[ "${1:-}" != "--force" && -x "$out" \
      && "$out" -nt "$here/main.go" && "$out" -nt "$here/go.mod" && "$out" -nt "$here/go.sum" \
      && "$out" -nt "$here/build.sh" ]]; then
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
export GOFLAGS="${GOFLAGS:-} -mod=readonly"
version="$(go list -m -f '{{.Version}}' k8s.io/kubernetes)"
if [[ ! "$version" =~ ^v([0-9]+)\.([0-9]+)\.[0-9]+$ ]]; then
  echo "build.sh: go.mod's k8s.io/kubernetes version '$version' is not vMAJOR.MINOR.PATCH" >&2
  exit 1
fi
stamp=k8s.io/component-base/version
ldflags="-s -w -X $stamp.gitVersion=$version -X $stamp.gitMajor=${BASH_REMATCH[1]} -X $stamp.gitMinor=${BASH_REMATCH[2]} -X $stamp.gitTreeState=clean"
CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$out.tmp" .
mv -f "$out.tmp" "$out"
echo "built $out ($version) in $((SECONDS - start))s" >&2
