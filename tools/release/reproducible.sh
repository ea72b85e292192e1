#!/usr/bin/env bash
# make reproducible: builds the committed HEAD twice and compares the results byte for byte.
#
# The two builds share nothing a release could depend on by accident:
#
#   side a: checkout  $WORK/a/terraform-provider-kured   side b: $WORK/b/elsewhere/src
#           HOME      $WORK/a/home                               $WORK/b/home
#           CARGO_HOME the user's                                $WORK/b/cargo-home (offline,
#                                                                 crates copied from the user's)
#           target    $WORK/a/target                             $WORK/b/elsewhere/out
#           umask 022, TZ=UTC, LC_ALL=C                          umask 077, TZ=Pacific/Chatham,
#                                                                 LC_ALL=C.UTF-8
#
# Each side runs its own checkout's tools/release/release.sh (build.sh, then package.py
# into $WORK/<side>/dist, unsigned), then the binaries and every file of the two dist/
# directories must be identical, and neither binary may contain any of the paths above.
# WORK is target/reproducible (REPRODUCIBLE_DIR overrides it); the checkouts and target
# directories are kept, so a second run rebuilds only what changed; FRESH=1 starts both
# builds from nothing, as CI does on a fresh clone.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="${REPRODUCIBLE_DIR:-$ROOT/target/reproducible}"
NAME=terraform-provider-kured

if [ "${FRESH:-0}" = 1 ]; then
    rm -rf "$WORK"
fi
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd -P)"

commit="$(git -C "$ROOT" rev-parse HEAD)"
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ]; then
    echo "reproducible: note: uncommitted changes are not part of this check; it builds commit $commit" >&2
fi

user_home="$HOME"
user_cargo_home="${CARGO_HOME:-$user_home/.cargo}"
# rustup's toolchains stay where they are whatever HOME says; build.sh picks the one
# tools/release/rust-toolchain names.
export RUSTUP_HOME="${RUSTUP_HOME:-$user_home/.rustup}"

checkout() {
    local dir="$1"
    if [ ! -d "$dir/.git" ]; then
        mkdir -p "$dir"
        git -C "$dir" init -q
    fi
    git -C "$dir" fetch -q "$ROOT" HEAD
    git -C "$dir" checkout -q --force --detach FETCH_HEAD
    git -C "$dir" clean -q -f -d -x
    local got
    got="$(git -C "$dir" rev-parse HEAD)"
    if [ "$got" != "$commit" ]; then
        echo "reproducible: $dir checked out $got, expected $commit" >&2
        exit 1
    fi
}

# Side b's own CARGO_HOME: the registry index and downloaded crates copied from the
# user's (cargo unpacks them again under the new home), any source replacement too.
seed_cargo_home() {
    local dest="$1"
    mkdir -p "$dest/registry"
    for part in index cache; do
        if [ -d "$user_cargo_home/registry/$part" ]; then
            cp -R -u "$user_cargo_home/registry/$part" "$dest/registry/"
        fi
    done
    for config in config.toml config; do
        if [ -f "$user_cargo_home/$config" ]; then
            cp -u "$user_cargo_home/$config" "$dest/$config"
        fi
    done
}

a_src="$WORK/a/$NAME"
a_home="$WORK/a/home"
a_target="$WORK/a/target"
b_src="$WORK/b/elsewhere/src"
b_home="$WORK/b/home"
b_cargo_home="$WORK/b/cargo-home"
b_target="$WORK/b/elsewhere/out"

build_side() {
    local side="$1" src="$2" home="$3" cargo_home="$4" target="$5" started elapsed
    mkdir -p "$home" "$target"
    started=$(date +%s)
    echo "reproducible: building side $side in $src" >&2
    if [ "$side" = a ]; then
        (umask 022; env HOME="$home" CARGO_HOME="$cargo_home" CARGO_TARGET_DIR="$target" \
            DIST="$WORK/$side/dist" TZ=UTC LC_ALL=C GPG_FINGERPRINT= \
            bash "$src/tools/release/release.sh" >"$WORK/$side/package.txt")
    else
        (umask 077; env HOME="$home" CARGO_HOME="$cargo_home" CARGO_TARGET_DIR="$target" \
            CARGO_NET_OFFLINE=true DIST="$WORK/$side/dist" TZ=Pacific/Chatham LC_ALL=C.UTF-8 \
            GPG_FINGERPRINT= bash "$src/tools/release/release.sh" >"$WORK/$side/package.txt")
    fi
    elapsed=$(( $(date +%s) - started ))
    echo "reproducible: side $side built in ${elapsed}s" >&2
}

(umask 022; checkout "$a_src")
(umask 077; checkout "$b_src")
seed_cargo_home "$b_cargo_home"
build_side a "$a_src" "$a_home" "$user_cargo_home" "$a_target"
build_side b "$b_src" "$b_home" "$b_cargo_home" "$b_target"

failed=0
a_bin="$a_target/dist/$NAME"
b_bin="$b_target/dist/$NAME"
if cmp -s "$a_bin" "$b_bin"; then
    echo "same  $(sha256sum "$a_bin" | cut -d ' ' -f 1)  binary ($(stat -c %s "$a_bin") bytes)"
else
    echo "DIFFERENT  binary: $a_bin and $b_bin ($(cmp "$a_bin" "$b_bin" | head -n 1))"
    failed=1
fi
a_files="$(cd "$WORK/a/dist" && ls)"
b_files="$(cd "$WORK/b/dist" && ls)"
if [ "$a_files" != "$b_files" ]; then
    echo "DIFFERENT  file lists: a has [${a_files//$'\n'/ }], b has [${b_files//$'\n'/ }]"
    failed=1
fi
for file in $a_files; do
    if cmp -s "$WORK/a/dist/$file" "$WORK/b/dist/$file"; then
        echo "same  $(sha256sum "$WORK/a/dist/$file" | cut -d ' ' -f 1)  $file ($(stat -c %s "$WORK/a/dist/$file") bytes)"
    else
        echo "DIFFERENT  $file"
        failed=1
    fi
done

# Each binary names the commit both were built from.
for bin in "$a_bin" "$b_bin"; do
    if ! "$bin" --version | grep -qx "commit: $commit"; then
        echo "WRONG COMMIT  $bin --version says: $("$bin" --version | tr '\n' ' ')"
        failed=1
    fi
done

# Identical builds could still share a leak (a path both sides have in common).
for bin in "$a_bin" "$b_bin"; do
    for path in "$ROOT" "$WORK" "$user_home/" "$user_cargo_home" "$RUSTUP_HOME"; do
        if grep -q -a -F -e "$path" "$bin"; then
            echo "LEAK  $bin contains the path $path"
            failed=1
        fi
    done
done

if [ "$failed" != 0 ]; then
    echo "reproducible: the two builds of $commit differ (see above)" >&2
    exit 1
fi
echo "reproducible: commit $commit builds to identical bytes from two paths; releases in $WORK/a/dist and $WORK/b/dist"
