#!/usr/bin/env bash
# Builds test/.cache/bin/ecr-credential-provider, the kubelet credential provider plugin for Amazon
# ECR, from its published Go module (k8s.io/cloud-provider-aws, pinned with its dependencies in
# go.mod and go.sum here), through the Go module proxy. Its source is downloaded into the Go module
# cache, never into this repository. The tests run it as the kubelet would, pointed at a local
# stand-in of the ECR API by the AWS SDK's AWS_ENDPOINT_URL_ECR.
#
# Skips the build when the binary is newer than go.mod and go.sum. A cold build downloads ~60 MiB
# of modules and takes about a minute on 2 cores.
#
# Usage: test/ecr-credential-provider/build.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/../.cache/bin/ecr-credential-provider"

if [[ "${1:-}" != "--force" && -x "$out" && "$out" -nt "$here/go.mod" && "$out" -nt "$here/go.sum" ]]; then
  echo "ecr-credential-provider is up to date: $out" >&2
  exit 0
fi

command -v go >/dev/null || { echo "build.sh: Go is not installed (https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
echo "building ecr-credential-provider..." >&2
start=$SECONDS
cd "$here"
# -mod=readonly: go.sum is committed, so the build is reproducible. The binary is written to a
# temporary name and moved, so an interrupted build never leaves one that looks up to date.
CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly" \
  go build -trimpath -ldflags='-s -w' -o "$out.tmp" k8s.io/cloud-provider-aws/cmd/ecr-credential-provider
mv -f "$out.tmp" "$out"
echo "built $out in $((SECONDS - start))s" >&2
