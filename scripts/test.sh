#!/usr/bin/env bash
# Runs every check of the workspace as independent jobs, TEST_PARALLEL (default 5) at a time, and
# prints each job's result as it ends, then per-project counts and one total:
#   typecheck  tsc over every project's sources and specs, one program (tsconfig.typecheck.json);
#   lint       eslint over every project's sources (what each project's lint target covers), with the app/lib boundary rules, 0 warnings allowed;
#   unit       every project's unit specs (no services), one jest run (jest.config.ts);
#   int:<p>    a project's integration specs (real Redis, MariaDB, FFmpeg, node-media-server); control-api's
#              in three jest shards, media-worker's broadcast and recording suites apart from the rest: each job is its
#              own jest process with its own redis-server and databases;
#   build      the three apps' bundles (transpile-only: the typecheck job checks the same sources);
#   e2e.<n>    the end-to-end suite against those bundles, in two shards.
# One program/run for typecheck, lint and unit instead of one per project: the per-project start-up
# (a TypeScript program, a jest boot) was most of their cost. The integration suites mostly wait on
# processes, sockets and timers, so five jobs keep two cores busy. `npx nx test <project>` still
# runs one project's typecheck, unit and integration specs.
# A failed job's whole log is printed at the end; every log is in tmp/test-logs/.
set -uo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true FORCE_COLOR=0
# A larger young generation: jest, tsc and ESLint allocate fast, and V8's default 16 MB semi-space makes
# them collect garbage often (ESLint here: 11 % less CPU with 64 MB). Applies to every Node process the
# jobs start, the apps under test included; memory grows by a few tens of MB a process.
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--max-semi-space-size=64"
# Jest loads each jest.config.ts through ts-node, which by default type-checks it (a TypeScript
# program per jest process: ~3 CPU-s of the ~5 a jest start costs here). The typecheck job checks those
# files; here they only need transpiling.
export TS_NODE_TRANSPILE_ONLY=true
slots="${TEST_PARALLEL:-5}"
logs=tmp/test-logs
rm -rf tmp/test-results "$logs"
mkdir -p "$logs"

# name|after|command: started in this order when a slot is free and the job named in `after` (if
# any) has passed; longest and most waiting first, so none of them starts last. Shards of one suite
# start apart: the first fills jest's transform cache (cold in a fresh clone, its keys hold the
# checkout's path), so the later ones do not compile the same files again at the same time.
# typecheck, lint and unit only compute: they run at a lower priority (nice 10), so the jobs that
# wait on timers, sockets and media processes get the CPU when they need it.
jobs=(
  "int:media-worker.rec||npx jest -c apps/media-worker/jest.int.config.ts --runInBand recording.int-spec"
  "int:media-worker.1||npx jest -c apps/media-worker/jest.int.config.ts --runInBand broadcast.int-spec"
  "build||STREAM_BUILD_TRANSPILE_ONLY=1 npx webpack --config apps/control-api/webpack.config.js --config apps/media-worker/webpack.config.js --config apps/pulse-publisher/webpack.config.js"
  "int:control-api.3||npx jest -c apps/control-api/jest.int.config.ts --runInBand --shard=3/3"
  "typecheck||nice -n 10 npx tsc -p tsconfig.typecheck.json"
  "e2e.1|build|npx jest -c e2e/jest.config.ts --runInBand --shard=1/2"
  "e2e.2|build|npx jest -c e2e/jest.config.ts --runInBand --shard=2/2"
  # Mostly waits on 2 s pulse intervals (~45 s, little CPU). Its "missed intervals" of earlier runs
  # were every pulse unheard: the spec's subscriber hit redis/ioredis#2037 (see untilReady), not load.
  "int:pulse-publisher||npx jest -c apps/pulse-publisher/jest.int.config.ts --runInBand"
  "int:media-worker.2||npx jest -c apps/media-worker/jest.int.config.ts --runInBand --testPathIgnorePatterns '/(broadcast|recording)\\.int-spec'"
  "int:control-api.1||npx jest -c apps/control-api/jest.int.config.ts --runInBand --shard=1/3"
  "int:control-api.2||npx jest -c apps/control-api/jest.int.config.ts --runInBand --shard=2/3"
  "lint||nice -n 10 npx eslint apps/*/src apps/*/test libs/*/src e2e/src k8s/test tools --max-warnings 0 --ignore-pattern '**/*.boundary-probe.ts'"
  "unit||nice -n 10 npx jest -c jest.config.ts"
  "int:testing||npx jest -c libs/testing/jest.int.config.ts --runInBand"
  "int:nest-kit||npx jest -c libs/nest-kit/jest.int.config.ts --runInBand"
  "int:broadcast-control||npx jest -c libs/broadcast-control/jest.int.config.ts --runInBand"
)

declare -A started=() names=() state=()
failed=()
finish() { # pid, exit status
  local name=${names[$1]} cpu
  local took=$((SECONDS - started[$1]))
  # The last line of the log is `times` for the job's processes: "user sys" of the children.
  cpu=$(tail -n 1 "$logs/$name.log" | awk '{ gsub(/s/, "", $1); gsub(/s/, "", $2); split($1, u, "m"); split($2, s, "m"); printf "%d", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
  if [ "$2" = 0 ]; then state[$name]=passed; else state[$name]=failed; failed+=("$name"); fi
  printf '  %-22s %-7s %4d s  (cpu %4s s, ended at %d s)\n' "$name" "${state[$name]}" "$took" "$cpu" "$SECONDS"
  unset "names[$1]" "started[$1]"
}
reap() { # waits for any job to end
  local pid status
  wait -n -p pid
  status=$?
  finish "$pid" "$status"
}

# ESLint's module-boundary rule reads Nx's cached project graph and is skipped without one (a fresh clone).
npx nx show projects > /dev/null || exit 1
echo "Running ${#jobs[@]} jobs, $slots at a time (logs in $logs/):"
pending=("${jobs[@]}")
while [ "${#pending[@]}" -gt 0 ]; do
  next=-1
  for i in "${!pending[@]}"; do
    IFS='|' read -r name after _ <<< "${pending[$i]}"
    if [ -z "$after" ] || [ "${state[$after]:-}" = passed ]; then next=$i; break; fi
    if [ "${state[$after]:-}" = failed ]; then # its prerequisite failed: it cannot run
      state[$name]=failed; failed+=("$name"); printf '  %-22s skipped (%s failed)\n' "$name" "$after"; unset "pending[$i]"; pending=("${pending[@]}"); continue 2
    fi
  done
  if [ "$next" -lt 0 ] && [ "${#names[@]}" -eq 0 ]; then echo "jobs waiting on jobs that never ran: ${pending[*]}"; exit 1; fi
  if [ "$next" -lt 0 ] || [ "${#names[@]}" -ge "$slots" ]; then reap; continue; fi
  IFS='|' read -r name after command <<< "${pending[$next]}"
  unset "pending[$next]"
  pending=("${pending[@]}")
  bash -c "$command; status=\$?; times; exit \$status" > "$logs/$name.log" 2>&1 &
  names[$!]=$name
  started[$!]=$SECONDS
done
while [ "${#names[@]}" -gt 0 ]; do reap; done

for name in "${failed[@]}"; do
  printf '\n==================== %s (failed) ====================\n' "$name"
  [ -f "$logs/$name.log" ] && cat "$logs/$name.log"
done

echo
node -e '
  const fs = require("fs");
  const dir = "tmp/test-results";
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  const total = { passed: 0, failed: 0, skipped: 0 };
  const byProject = new Map();
  for (const f of files) {
    const r = JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8"));
    const p = byProject.get(r.project) ?? { passed: 0, failed: 0, skipped: 0 };
    for (const k of Object.keys(total)) { total[k] += r[k]; p[k] += r[k]; }
    byProject.set(r.project, p);
  }
  for (const [name, r] of byProject) console.log(`  ${name.padEnd(22)} ${r.passed} passed, ${r.failed} failed`);
  console.log(`Tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped (${process.argv[1]} s)`);
' "$SECONDS"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "Failed jobs: ${failed[*]}"
  exit 1
fi
