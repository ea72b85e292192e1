#!/usr/bin/env python3
"""Lays out a release the way the Terraform Registry reads one, byte for byte repeatable.

    package.py --version 0.2.0 --out dist linux_amd64=path/to/binary [darwin_arm64=...]

writes into --out (which it empties of earlier releases' files first):

    terraform-provider-kured_<V>_<os>_<arch>.zip   one per binary, holding
                                                   terraform-provider-kured_v<V>[.exe]
    terraform-provider-kured_<V>_manifest.json     terraform-registry-manifest.json
    terraform-provider-kured_<V>_SHA256SUMS        "<sha256>  <file>" for each of the above

which are the names goreleaser gives them in HashiCorp's provider scaffolding. The
signature, `..._SHA256SUMS.sig`, is left to tools/release/release.sh (gpg).

Two runs on the same binaries give identical files: every zip entry has the time of
SOURCE_DATE_EPOCH (the commit's time; 1980-01-01 when unset), mode 0755, Unix as its
"made by" system and no extra fields, and files are written and listed in name order.
Deflate output depends only on zlib's level and version (`zlib_version` in the output).

`package.py h1 FILE.zip` prints Terraform's `h1:` hash of a package (the hash of its
unpacked contents that lock files and network mirrors record).
"""

import argparse
import base64
import hashlib
import io
import os
import re
import sys
import time
import zipfile

NAME = "terraform-provider-kured"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MANIFEST_SOURCE = os.path.join(ROOT, "terraform-registry-manifest.json")
# Terraform's own spelling of platforms: GOOS_GOARCH.
PLATFORM = re.compile(r"^(linux|darwin|windows|freebsd|openbsd|solaris)_(amd64|arm64|arm|386)$")
VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$")
# The earliest time a zip entry can carry (DOS time starts in 1980).
ZIP_EPOCH = 315532800


def zip_time(epoch):
    """The zip entry time for SOURCE_DATE_EPOCH, in UTC."""
    return time.gmtime(max(epoch, ZIP_EPOCH))[:6]


def package_zip(version, platform, binary, epoch, level):
    """The bytes of one platform's zip: the binary alone, under the registry's name."""
    suffix = ".exe" if platform.startswith("windows_") else ""
    with open(binary, "rb") as f:
        data = f.read()
    entry = zipfile.ZipInfo(f"{NAME}_v{version}{suffix}", date_time=zip_time(epoch))
    entry.create_system = 3  # Unix, so unzip applies the mode below
    entry.external_attr = 0o100755 << 16  # a regular file, rwxr-xr-x
    entry.compress_type = zipfile.ZIP_DEFLATED
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=level)
    return buf.getvalue()


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def h1_hash(zip_path):
    """Terraform's "h1:" hash: base64 SHA-256 of "<sha256>  <name>\\n" per file, by name."""
    lines = []
    with zipfile.ZipFile(zip_path) as zf:
        for name in sorted(i.filename for i in zf.infolist() if not i.is_dir()):
            lines.append(f"{sha256_hex(zf.read(name))}  {name}\n")
    digest = hashlib.sha256("".join(lines).encode()).digest()
    return "h1:" + base64.b64encode(digest).decode()


def write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def package(args):
    if not VERSION.match(args.version):
        sys.exit(f"package.py: --version {args.version!r} is not a semantic version such as 0.2.0")
    binaries = {}
    for spec in args.binaries:
        platform, sep, path = spec.partition("=")
        if not sep or not PLATFORM.match(platform):
            sys.exit(f"package.py: {spec!r} should be OS_ARCH=PATH, such as linux_amd64=target/dist/{NAME}")
        if not os.path.isfile(path):
            sys.exit(f"package.py: no binary at {path} for {platform}")
        if platform in binaries:
            sys.exit(f"package.py: {platform} is given twice")
        binaries[platform] = path
    if not binaries:
        sys.exit("package.py: give at least one OS_ARCH=PATH")

    epoch_text = os.environ.get("SOURCE_DATE_EPOCH", "").strip() or str(ZIP_EPOCH)
    if not epoch_text.isdigit():
        sys.exit(f"package.py: SOURCE_DATE_EPOCH={epoch_text!r} is not a number of seconds")
    epoch = int(epoch_text)

    os.makedirs(args.out, exist_ok=True)
    # A dist/ left by an earlier version would otherwise be listed beside this one.
    for old in os.listdir(args.out):
        if old.startswith(f"{NAME}_"):
            os.remove(os.path.join(args.out, old))

    files = {}
    for platform in sorted(binaries):
        name = f"{NAME}_{args.version}_{platform}.zip"
        files[name] = package_zip(args.version, platform, binaries[platform], epoch, args.level)
    with open(MANIFEST_SOURCE, "rb") as f:
        files[f"{NAME}_{args.version}_manifest.json"] = f.read()

    sums = "".join(f"{sha256_hex(files[name])}  {name}\n" for name in sorted(files))
    files[f"{NAME}_{args.version}_SHA256SUMS"] = sums.encode()
    for name in sorted(files):
        write(os.path.join(args.out, name), files[name])
        print(f"{len(files[name]):>10}  {name}")
    print(f"zlib_version {__import__('zlib').ZLIB_RUNTIME_VERSION}, level {args.level}, "
          f"entry time {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(max(epoch, ZIP_EPOCH)))}")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "h1":
        print(h1_hash(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", required=True, help="the release's version, without v")
    parser.add_argument("--out", required=True, help="the directory to write, such as dist")
    parser.add_argument("--level", type=int, default=9, choices=range(1, 10),
                        help="deflate level; releases use 9, tests 1 for speed")
    parser.add_argument("binaries", nargs="*", metavar="OS_ARCH=PATH")
    package(parser.parse_args())


if __name__ == "__main__":
    main()
