#!/usr/bin/env bash
# Runs every check, in three phases, and prints how long each took and one total:
#   1. lint (with the app/lib boundary rules) and typecheck (tsc over sources and specs);
#   2. each project's unit specs (target test-unit: no services);
#   3. each project's integration specs (target test-int: real Redis, MariaDB, FFmpeg,
#      node-media-server) and the end-to-end suite against the built apps (target e2e).
# Two tasks run at a time (this repo's CI machine has 2 cores; TEST_PARALLEL changes it). Every jest
# run has its own redis-server and its own databases, so concurrent runs cannot see each other.
set -uo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true
parallel="${TEST_PARALLEL:-2}"
rm -rf tmp/test-results

status=0
timings=()
phase() { # name, command...: runs it, records its duration, remembers a failure
  local name=$1 started=$SECONDS
  shift
  echo "== $name"
  "$@" || status=1
  timings+=("$(printf '  %-28s %4d s' "$name" $((SECONDS - started)))")
}
phase "lint + typecheck" npx nx run-many -t lint typecheck --output-style=static --parallel="$parallel"
phase "unit" npx nx run-many -t test-unit --output-style=static --parallel="$parallel"
phase "integration + end-to-end" npx nx run-many -t test-int e2e --output-style=static --parallel="$parallel"

printf '%s\n' "${timings[@]}"
node -e '
  const fs = require("fs");
  const dir = "tmp/test-results";
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const f of files) {
    const r = JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8"));
    for (const k of Object.keys(total)) total[k] += r[k];
    console.log(`  ${r.project.padEnd(22)} ${r.passed} passed, ${r.failed} failed`);
  }
  console.log(`Tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped (${process.argv[1]} s)`);
' "$SECONDS"
exit $status
