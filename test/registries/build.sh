#!/usr/bin/env bash
# Builds the registry implementations the differential suite (test/oracle) runs besides Debian's
# distribution 2.8, from their published Go modules through the Go module proxy (sources go to the
# Go module cache, never into this repository):
# - test/.cache/bin/ggcr-registry: go-containerregistry's pkg/registry behind the tiny main of
#   ggcr/ (pinned in ggcr/go.mod and go.sum); about 30 s cold.
# - test/.cache/bin/distribution-v3: distribution v3's cmd/registry; about 5 min cold on 2 cores.
# Gitea's registry is left out: building code.gitea.io/gitea takes longer than a CI run allows.
# Each binary is skipped when it is newer than what it is built from. One build at a time.
#
# Usage: test/registries/build.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/../.cache/bin"
distribution_version=v3.1.2
force="${1:-}"
command -v go >/dev/null || { echo "build.sh: Go is not installed (https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$bin"

up_to_date() { # binary, sources...
  local out=$1; shift
  [[ "$force" != "--force" && -x "$out" ]] || return 1
  for source in "$@"; do [[ "$out" -nt "$source" ]] || return 1; done
}

out="$bin/ggcr-registry"
if up_to_date "$out" "$here/ggcr/main.go" "$here/ggcr/go.mod" "$here/ggcr/go.sum"; then
  echo "ggcr-registry is up to date: $out" >&2
else
  echo "building ggcr-registry..." >&2
  start=$SECONDS
  # -mod=readonly: go.sum is committed, so the build is reproducible; a temporary name, so an
  # interrupted build never leaves a binary that looks up to date.
  (cd "$here/ggcr" && CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly" go build -trimpath -ldflags='-s -w' -o "$out.tmp" .)
  mv -f "$out.tmp" "$out"
  echo "built $out in $((SECONDS - start))s" >&2
fi

out="$bin/distribution-v3"
if up_to_date "$out" "${BASH_SOURCE[0]}"; then
  echo "distribution-v3 is up to date: $out" >&2
else
  echo "building distribution-v3 ($distribution_version, a first build takes several minutes)..." >&2
  start=$SECONDS
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  GOBIN="$work" CGO_ENABLED=0 go install -trimpath -ldflags='-s -w' "github.com/distribution/distribution/v3/cmd/registry@$distribution_version"
  mv -f "$work/registry" "$out"
  echo "built $out in $((SECONDS - start))s" >&2
fi
