#!/usr/bin/env bash
# make release: writes dist/ the way the Terraform Registry expects a release.
#
#   dist/terraform-provider-kured_<V>_<os>_<arch>.zip   (this machine's platform)
#   dist/terraform-provider-kured_<V>_manifest.json     (protocol version 6.0)
#   dist/terraform-provider-kured_<V>_SHA256SUMS
#   dist/terraform-provider-kured_<V>_SHA256SUMS.sig    (only with GPG_FINGERPRINT)
#
# GPG_FINGERPRINT names the secret key in gpg's keyring that signs SHA256SUMS (a binary
# detached signature, as the registry wants); GPG_PASSPHRASE unlocks it when it has a
# passphrase. DIST overrides the output directory. Other platforms are built by
# .github/workflows/release.yml, which packages all of them with the same script.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIST="${DIST:-$ROOT/dist}"
PYTHON="${PYTHON:-python3}"
NAME=terraform-provider-kured
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n 1)"

os="$(uname -s | tr '[:upper:]' '[:lower:]')"
case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "release.sh: no Terraform platform name for $(uname -m)" >&2; exit 1 ;;
esac

if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    echo "release.sh: warning: the checkout has uncommitted changes; the binary records commit $(git -C "$ROOT" rev-parse --short HEAD) but is built from the files as they are" >&2
fi

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH="$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 315532800)"
fi
export SOURCE_DATE_EPOCH

binary="$(bash "$ROOT/tools/release/build.sh")"
reported="$("$binary" --version | head -n 1)"
if [ "$reported" != "$NAME v$VERSION" ]; then
    echo "release.sh: $binary reports '$reported', expected '$NAME v$VERSION'" >&2
    exit 1
fi

"$PYTHON" "$ROOT/tools/release/package.py" --version "$VERSION" --out "$DIST" "${os}_${arch}=$binary"

sums="$DIST/${NAME}_${VERSION}_SHA256SUMS"
if [ -z "${GPG_FINGERPRINT:-}" ]; then
    echo "release.sh: GPG_FINGERPRINT is not set, so $(basename "$sums").sig was not written; everything else is in $DIST" >&2
    exit 0
fi
bash "$ROOT/tools/release/sign.sh" "$DIST"
