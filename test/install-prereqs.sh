#!/usr/bin/env bash
# Installs what the test suite runs for real on a Debian 12 machine: the CNCF distribution registry,
# htpasswd, openssl, yamllint, Prometheus + promtool, Alertmanager, Chromium, containerd + runc +
# busybox (a real node's runtime), Debian's Docker engine unpacked into test/.cache (to build the
# image from the Dockerfile; installing the package would start a service), the kube-apiserver test
# bed and the kubelet, scheduler and controller manager built from the Kubernetes Go modules, the
# kubelet's ECR credential provider plugin built from its Go module, and a Prometheus with
# Kubernetes service discovery (Debian's has none) built from its Go module, and the registry
# implementations the differential suite compares (go-containerregistry's, distribution v3, Gitea) and the
# manifest linters the chart tests run (kubeconform, kube-score) built from theirs. Idempotent: a
# second run only checks.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(docker-registry apache2-utils openssl prometheus prometheus-alertmanager chromium
  containerd runc busybox-static iproute2 util-linux libdevmapper1.02.1 yamllint git)
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

# Gitea's modules (about 1 GB) download while the builds below compile: one waits on the network,
# the others on the CPU. The Gitea build further down waits for it.
bash test/registries/build.sh --download-only &
gitea_download=$!
trap 'kill "$gitea_download" 2>/dev/null || true' EXIT   # a failed build below leaves no download behind

bash test/image/docker-engine.sh
bash test/apiserver/build.sh
bash test/ecr-credential-provider/build.sh
bash test/prometheus/build.sh
wait "$gitea_download" || echo "install-prereqs.sh: downloading Gitea's modules ahead failed; its build below downloads them" >&2
bash test/registries/build.sh
bash test/linters/build.sh
