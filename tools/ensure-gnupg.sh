#!/usr/bin/env bash
# Makes sure `gpg` (Debian's gnupg) is installed: `make release` signs with it and the
# install tests (tests/install.rs) make a throwaway signing key with it. Installs the
# package with apt-get when it is missing, as root or through sudo.
set -euo pipefail

if command -v gpg >/dev/null 2>&1 && command -v gpgconf >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-gnupg: gpg is missing and this is not a Debian-like system: install GnuPG 2 (gpg, gpgconf, gpg-agent)" >&2
    exit 1
fi
as_root=()
if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "ensure-gnupg: gpg is missing; run \`apt-get install -y gnupg\` as root" >&2
        exit 1
    fi
    as_root=(sudo)
fi
echo "ensure-gnupg: installing gnupg with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get install -y -qq gnupg >/dev/null; then
    # A fresh image has no package lists yet.
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" apt-get install -y -qq gnupg >/dev/null
fi
gpg --version | head -n 1 >&2
