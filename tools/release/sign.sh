#!/usr/bin/env bash
# Signs a release's SHA256SUMS the way the Terraform Registry verifies it: a binary
# detached GPG signature next to it, `..._SHA256SUMS.sig`.
#
#   tools/release/sign.sh DIST_DIR
#
# GPG_FINGERPRINT names the secret key in gpg's keyring; GPG_PASSPHRASE unlocks it when
# it has one. Checks the signature it wrote before it returns.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dist="${1:?usage: sign.sh DIST_DIR}"
: "${GPG_FINGERPRINT:?GPG_FINGERPRINT must name the signing key}"

shopt -s nullglob
found=("$dist"/terraform-provider-kured_*_SHA256SUMS)
if [ "${#found[@]}" != 1 ]; then
    echo "sign.sh: expected one terraform-provider-kured_<V>_SHA256SUMS in $dist, found ${#found[@]}" >&2
    exit 1
fi
sums="${found[0]}"

bash "$ROOT/tools/ensure-gnupg.sh"
sign=(gpg --batch --yes --local-user "$GPG_FINGERPRINT" --detach-sign --output "$sums.sig")
if [ -n "${GPG_PASSPHRASE:-}" ]; then
    "${sign[@]}" --pinentry-mode loopback --passphrase-fd 0 "$sums" <<<"$GPG_PASSPHRASE"
else
    "${sign[@]}" "$sums"
fi
gpg --batch --verify "$sums.sig" "$sums" 2>/dev/null
echo "sign.sh: signed $(basename "$sums") with $GPG_FINGERPRINT" >&2
