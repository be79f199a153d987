#!/usr/bin/env bash
# Builds test/.cache/bin/kube-testbed: kube-apiserver + embedded etcd in one
# binary, and test/.cache/bin/kube-node: the kubelet, kube-scheduler and
# kube-controller-manager in one binary (node/main.go), from the published
# Kubernetes Go modules (see go.mod for why the replace directives are there).
# Needs only Go and the Go module proxy.
#
# The binary reports the k8s.io/kubernetes version of go.mod (e.g. v1.34.4) as its /version, like a
# released kube-apiserver: helm checks a chart's kubeVersion against it, and the module's default
# (v0.0.0-master) fails every such check.
#
# Skips a build when its binary is newer than its main.go, go.mod, go.sum and this script.
# A cold build (empty module and build caches) downloads ~0.6 GiB of modules
# and compiles the whole apiserver: expect many minutes on 2 cores.
#
# Usage: test/apiserver/build.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/../.cache/bin"

up_to_date() { # binary main.go
  [[ "${force:-}" != "--force" && -x "$1" && "$1" -nt "$2" && "$1" -nt "$here/go.mod" && "$1" -nt "$here/go.sum" \
     && "$1" -nt "$here/build.sh" ]]
}
force="${1:-}"
if up_to_date "$bin/kube-testbed" "$here/main.go" && up_to_date "$bin/kube-node" "$here/node/main.go"; then
  echo "kube-testbed and kube-node are up to date: $bin" >&2
  exit 0
fi

command -v go >/dev/null || { echo "build.sh: Go is not installed (https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$bin"
cd "$here"
# -mod=readonly: go.sum is committed, so the build is reproducible and fails
# loudly instead of silently re-resolving versions. CGO is not needed.
export GOFLAGS="${GOFLAGS:-} -mod=readonly"
version="$(go list -m -f '{{.Version}}' k8s.io/kubernetes)"
if [[ ! "$version" =~ ^v([0-9]+)\.([0-9]+)\.[0-9]+$ ]]; then
  echo "build.sh: go.mod's k8s.io/kubernetes version '$version' is not vMAJOR.MINOR.PATCH" >&2
  exit 1
fi
stamp=k8s.io/component-base/version
ldflags="-s -w -X $stamp.gitVersion=$version -X $stamp.gitMajor=${BASH_REMATCH[1]} -X $stamp.gitMinor=${BASH_REMATCH[2]} -X $stamp.gitTreeState=clean"
# Each binary is written to a temp name and moved, so an interrupted build never
# leaves a truncated binary that looks up to date.
build() { # name package main.go
  if up_to_date "$bin/$1" "$3"; then return; fi
  echo "building $1 (a first build takes many minutes)..." >&2
  local start=$SECONDS
  CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$bin/$1.tmp" "$2"
  mv -f "$bin/$1.tmp" "$bin/$1"
  echo "built $bin/$1 ($version) in $((SECONDS - start))s" >&2
}
build kube-testbed . "$here/main.go"
build kube-node ./node "$here/node/main.go"
