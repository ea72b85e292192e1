"""Prints, for each workspace member, the newest `rust-version` declared by the crates it
builds with (normal and build dependencies, transitively): the lowest Rust that can build
it. Used to set `rust-version` in the manifests (CONTRIBUTING.md)."""
import json
import subprocess

meta = json.loads(subprocess.check_output(
    ["cargo", "metadata", "--format-version", "1", "--locked"], text=True))
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
packages = {p["id"]: p for p in meta["packages"]}


def version_key(v):
    parts = [int(x) for x in v.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


for member in meta["workspace_members"]:
    seen, stack = set(), [member]
    while stack:
        pkg = stack.pop()
        if pkg in seen:
            continue
        seen.add(pkg)
        for dep in nodes[pkg]["deps"]:
            if any(k["kind"] in (None, "build") for k in dep["dep_kinds"]):
                stack.append(dep["pkg"])
    best = max((p for p in seen if p != member),
               key=lambda p: version_key(packages[p].get("rust_version") or "0"))
    print(f'{packages[member]["name"]}: {packages[best].get("rust_version")} '
          f'(set by {packages[best]["name"]} {packages[best]["version"]})')
