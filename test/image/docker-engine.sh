#!/usr/bin/env bash
# Unpacks Debian's docker.io package (dockerd and the docker CLI) into test/.cache/docker-engine,
# without installing it: the package's scripts would start a system service. The test bed starts
# its own dockerd (test/support/docker-engine.ts) to build the image from the Dockerfile.
# Skips the work when the binaries are there.
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.cache/docker-engine"
if [[ -x "$dir/usr/sbin/dockerd" && -x "$dir/usr/bin/docker" ]]; then
  echo "docker engine is unpacked: $dir" >&2
  exit 0
fi
download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
chmod 777 "$download" # apt's download user writes there
(cd "$download" && apt-get download -qq docker.io) || {
  echo "docker-engine.sh: apt-get download docker.io failed (run apt-get update first?)" >&2
  exit 1
}
rm -rf "$dir.partial"
mkdir -p "$(dirname "$dir")"
dpkg-deb -x "$download"/docker.io_*.deb "$dir.partial"
rm -rf "$dir" && mv "$dir.partial" "$dir"
echo "unpacked $("$dir/usr/bin/docker" --version) into $dir" >&2
