#!/usr/bin/env bash
# Builds the registry implementations the differential suite (test/oracle) runs besides Debian's
# distribution 2.8, from their published Go modules through the Go module proxy (sources go to the
# Go module cache, never into this repository):
# - test/.cache/bin/ggcr-registry: go-containerregistry's pkg/registry behind the tiny main of
#   ggcr/ (pinned in ggcr/go.mod and go.sum).
# - test/.cache/bin/distribution-v3: distribution v3's registry behind the tiny main of
#   distribution-v3/ (filesystem storage only; cmd/registry's cloud drivers are left out).
# - test/.cache/bin/gitea and test/.cache/gitea-static/ (its translations and templates, which a
#   build without bindata reads from STATIC_ROOT_PATH): Gitea, for its container registry.
# Cold build times (empty build cache, 2 shared cores) are in docs/development.md.
# Each is skipped when it is newer than what it is built from. One build at a time.
#
# Usage: test/registries/build.sh [--force]
#        test/registries/build.sh --download-only   only fills the Go module cache with Gitea's
#   modules (about 1 GB), so that install-prereqs.sh can download them while other builds compile
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="$here/../.cache"
bin="$cache/bin"
gitea_version=v1.27.3
force="${1:-}"
command -v go >/dev/null || { echo "build.sh: Go is not installed (https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$bin"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

up_to_date() { # binary, sources...
  local out=$1; shift
  [[ "$force" != "--force" && -x "$out" ]] || return 1
  for source in "$@"; do [[ "$out" -nt "$source" ]] || return 1; done
}

# A tiny main of this directory (main.go, pinned go.mod and go.sum) built into test/.cache/bin.
build_main() { # name, directory
  local name=$1 dir="$here/$2" out="$bin/$1"
  if up_to_date "$out" "$dir/main.go" "$dir/go.mod" "$dir/go.sum"; then
    echo "$name is up to date: $out" >&2
    return
  fi
  echo "building $name..." >&2
  local start=$SECONDS
  # -mod=readonly: go.sum is committed, so the build is reproducible; a temporary name, so an
  # interrupted build never leaves a binary that looks up to date.
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly" go build -trimpath -ldflags='-s -w' -o "$out.tmp" .)
  mv -f "$out.tmp" "$out"
  echo "built $out in $((SECONDS - start))s" >&2
}

gitea_source() { # copies Gitea's module tree to $work/gitea-src: its go.mod has replace directives, so `go install` refuses it
  local module src
  module=$(go mod download -json "code.gitea.io/gitea@$gitea_version")
  src=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$module")
  [[ -d "$src" ]] || { echo "build.sh: go mod download gave no source directory for code.gitea.io/gitea@$gitea_version:" >&2; echo "$module" >&2; exit 1; }
  cp -r "$src" "$work/gitea-src"
  chmod -R u+w "$work/gitea-src"
}

if [[ "$force" == "--download-only" ]]; then
  if [[ -x "$bin/gitea" && "$bin/gitea" -nt "${BASH_SOURCE[0]}" ]]; then exit 0; fi
  start=$SECONDS
  gitea_source
  (cd "$work/gitea-src" && go mod download)
  echo "downloaded Gitea's modules in $((SECONDS - start))s" >&2
  exit 0
fi

build_main ggcr-registry ggcr
build_main distribution-v3 distribution-v3

out="$bin/gitea"
static="$cache/gitea-static"
if up_to_date "$out" "${BASH_SOURCE[0]}" && [[ -d "$static/options/locale" ]]; then
  echo "gitea is up to date: $out" >&2
else
  echo "building gitea ($gitea_version, about 10 minutes cold on 2 cores)..." >&2
  start=$SECONDS
  # Gitea uses the pure-Go SQLite driver unless the sqlite_mattn tag is set, so no C compiler is needed.
  gitea_source
  (cd "$work/gitea-src" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.Version=${gitea_version#v}" -o "$work/gitea" .)
  mkdir -p "$work/gitea-static"
  cp -r "$work/gitea-src/options" "$work/gitea-src/templates" "$work/gitea-static/"
  rm -rf "$static"
  mv "$work/gitea-static" "$static"
  # The binary last: it is what marks the build up to date.
  mv -f "$work/gitea" "$out"
  echo "built $out in $((SECONDS - start))s" >&2
fi
