#!/usr/bin/env bash
# Installs the Debian packages the live-mode tests run, when they are missing:
#
#   tinyproxy  a real HTTP proxy on loopback (tests/live_proxy.rs, tests/live_credentials.rs)
#   openssl    RSA PKCS#1 and EC SEC1 client keys, the forms kubeadm and k3s write
#              (tests/support/pki.rs)
#
# tinyproxy comes from `tinyproxy-bin` where Debian has it (bookworm and later): the
# binary alone. The `tinyproxy` package also starts a system proxy on port 8888, which
# the tests do not need; it is the fallback on releases without tinyproxy-bin.
# Idempotent: does nothing when both commands exist.
set -euo pipefail

have_tinyproxy() {
    command -v tinyproxy >/dev/null 2>&1 || [ -x /usr/bin/tinyproxy ] || [ -x /usr/sbin/tinyproxy ]
}

packages=()
have_tinyproxy || packages+=(tinyproxy)
command -v openssl >/dev/null 2>&1 || packages+=(openssl)
if [ ${#packages[@]} -eq 0 ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install ${packages[*]} with your system's package manager: the live-mode tests need them" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
$SUDO apt-get update
for i in "${!packages[@]}"; do
    if [ "${packages[$i]}" = tinyproxy ] && apt-cache show tinyproxy-bin >/dev/null 2>&1; then
        packages[$i]=tinyproxy-bin
    fi
done
echo "installing ${packages[*]} for the live-mode tests"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${packages[@]}"
