#!/usr/bin/env bash
# Runs every check: lint (including the app/lib boundary rules), each project's unit and integration
# tests (real Redis and MariaDB), then the end-to-end suite against the built apps.
set -uo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true
rm -rf tmp/test-results

status=0
npx nx run-many -t lint --output-style=static || status=1
npx nx run-many -t test --output-style=static --parallel=1 || status=1
npx nx run-many -t e2e --output-style=static --parallel=1 || status=1

node -e '
  const fs = require("fs");
  const dir = "tmp/test-results";
  const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const f of files) {
    const r = JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8"));
    for (const k of Object.keys(total)) total[k] += r[k];
    console.log(`  ${r.project.padEnd(18)} ${r.passed} passed, ${r.failed} failed`);
  }
  console.log(`Tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
'
exit $status
