#!/usr/bin/env bash
# Installs what the test suite runs for real on a Debian 12 machine: the CNCF distribution
# registry, htpasswd, openssl, Prometheus + promtool, Alertmanager, Chromium, and the
# kube-apiserver test bed built from the Kubernetes Go modules, and the kubelet's ECR credential
# provider plugin built from its Go module. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(docker-registry apache2-utils openssl prometheus prometheus-alertmanager chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  echo "installing Debian packages: ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

bash test/apiserver/build.sh
bash test/ecr-credential-provider/build.sh
