#!/usr/bin/env bash
# The main job: plan the incident as it was deployed (must fail, naming both node paths)
# and as it was fixed (must pass). Runs each stack in a scratch copy so the repository
# stays clean; the provider comes from the mirror `make install` wrote.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TF=${TERRAFORM:-terraform}

plan_stack() {
  local stack=$1 work
  work=$(mktemp -d)
  cp "$ROOT/$stack"/*.tf "$work/"
  echo
  echo "================================================================================"
  echo "== $stack"
  echo "================================================================================"
  if ! (cd "$work" && "$TF" init -input=false -no-color >"$work/init.log" 2>&1); then
    cat "$work/init.log"
    echo "terraform init failed for $stack" >&2
    return 2
  fi
  (cd "$work" && "$TF" plan -input=false -no-color)
  local rc=$?
  rm -rf "$work"
  return $rc
}

status=0
plan_stack examples/incident/broken
if [ $? -eq 1 ]; then
  echo ">> examples/incident/broken: plan FAILED, as it must: kured and the gate use different node files."
else
  echo ">> examples/incident/broken: expected the plan to fail, but it did not." >&2
  status=1
fi

plan_stack examples/incident/fixed
if [ $? -eq 0 ]; then
  echo ">> examples/incident/fixed: plan PASSED: kured watches the file the gate writes."
else
  echo ">> examples/incident/fixed: expected the plan to pass, but it did not." >&2
  status=1
fi
exit $status
