#!/usr/bin/env bash
# Builds the provider binary reproducibly: the same commit gives the same bytes from any
# checkout directory, any $HOME and any $CARGO_HOME. Used by `make release`,
# `make reproducible` and .github/workflows/release.yml.
#
#   tools/release/build.sh [TARGET_TRIPLE]
#
# Prints the path of the binary on stdout (cargo's progress goes to stderr). Builds the
# `dist` profile (Cargo.toml) into $CARGO_TARGET_DIR, by default target/dist-build, so the
# flags below never invalidate the everyday target/release.
#
# What would otherwise differ between two builds of one commit, and what removes it:
# - absolute paths rustc embeds (panic locations of dependencies under
#   $CARGO_HOME/registry, files that build scripts generate under the target directory,
#   the checkout in debug info): --remap-path-prefix for each, to fixed names;
# - the environment's own RUSTFLAGS and cargo configuration: replaced, not extended;
# - the compiler: the Rust release named in tools/release/rust-toolchain (through rustup;
#   RUSTUP_TOOLCHAIN overrides it), the one the release workflow installs;
# - Cargo.lock: --locked;
# - the commit: recorded by build.rs from git, the same for the same commit;
# - on Windows, the linker's timestamp and PDB path: build.rs passes /Brepro.
# Nothing reads the clock; SOURCE_DATE_EPOCH (the commit's time) is exported for any
# tool that would.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CARGO="${CARGO:-cargo}"
TARGET_TRIPLE="${1:-}"
CARGO_HOME_DIR="${CARGO_HOME:-$HOME/.cargo}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target/dist-build}"
mkdir -p "$TARGET_DIR"
TARGET_DIR="$(cd "$TARGET_DIR" && pwd)"

# Each prefix as given and as resolved through symlinks: rustc sees whichever form cargo
# was handed. The target directory comes after the checkout it usually sits in, because
# the last matching prefix wins.
remaps=()
remap() {
    local from="$1" to="$2" form
    [ -n "$from" ] || return 0
    local forms=("$from")
    if [ -d "$from" ]; then
        forms+=("$(cd "$from" && pwd -P)")
    fi
    # Git Bash on Windows: cargo hands rustc C:\... paths, not /c/... ones.
    if command -v cygpath >/dev/null 2>&1; then
        forms+=("$(cygpath -w "$from")" "$(cygpath -m "$from")")
    fi
    for form in "${forms[@]}"; do
        if [ -n "$form" ] && [[ " ${remaps[*]-} " != *" --remap-path-prefix=$form=$to "* ]]; then
            remaps+=("--remap-path-prefix=$form=$to")
        fi
    done
}
remap "$CARGO_HOME_DIR" /cargo
remap "$ROOT" /source
remap "$TARGET_DIR" /target

# RUSTFLAGS is split on spaces; CARGO_ENCODED_RUSTFLAGS (0x1f-separated) keeps paths
# with spaces intact and takes precedence over RUSTFLAGS and every config file.
encoded="$(printf '%s\x1f' "${remaps[@]}")"
export CARGO_ENCODED_RUSTFLAGS="${encoded%$'\x1f'}"
unset RUSTFLAGS RUSTDOCFLAGS CARGO_BUILD_RUSTFLAGS
export CARGO_TARGET_DIR="$TARGET_DIR"
pinned="$(tr -d '[:space:]' <"$ROOT/tools/release/rust-toolchain")"
if [ -z "${RUSTUP_TOOLCHAIN:-}" ] && command -v rustup >/dev/null 2>&1; then
    # The pinned release by name when rustup has it; otherwise the active toolchain, if it
    # is that release (a machine that cannot download toolchains has only its own).
    if rustup run "$pinned" rustc --version >/dev/null 2>&1; then
        export RUSTUP_TOOLCHAIN="$pinned"
    fi
fi
active="$(rustc --version | cut -d' ' -f2)"
if [ "$active" != "$pinned" ]; then
    echo "build.sh: release builds use Rust $pinned (tools/release/rust-toolchain), but rustc is $active; install $pinned or set RUSTUP_TOOLCHAIN" >&2
    exit 1
fi
echo "build.sh: $("$CARGO" --version) and $(rustc --version)" >&2
export CARGO_INCREMENTAL=0

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH="$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 315532800)"
fi
export SOURCE_DATE_EPOCH

args=(build --profile dist --locked --bin terraform-provider-kured --manifest-path "$ROOT/Cargo.toml")
out_dir="$TARGET_DIR/dist"
if [ -n "$TARGET_TRIPLE" ]; then
    args+=(--target "$TARGET_TRIPLE")
    out_dir="$TARGET_DIR/$TARGET_TRIPLE/dist"
fi
(cd "$ROOT" && "$CARGO" "${args[@]}" >&2)

binary="$out_dir/terraform-provider-kured"
[ -f "$binary" ] || binary="$binary.exe"
if [ ! -f "$binary" ]; then
    echo "build.sh: cargo finished but left no binary in $out_dir" >&2
    exit 1
fi
echo "$binary"
