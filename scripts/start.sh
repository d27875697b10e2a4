#!/usr/bin/env bash
# Starts the whole stack on this machine: control-api, media-worker and pulse-publisher, built and run
# from dist/. Installs npm packages if missing, uses a reachable Redis or starts a local redis-server,
# and uses SQLite under .data/ unless STREAM_DATABASE_URL is set. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  cat <<'USAGE'
Usage: bash scripts/start.sh   (or: npm start)
Builds and starts control-api (:3000), media-worker (:3001, RTMP ingest :1935) and pulse-publisher
(:3002) from dist/, with settings from the environment, then .env. Missing development secrets are
generated once into .data/dev-secrets.env; a local redis-server is started if none answers at
STREAM_REDIS_URL. Logs: .data/logs/. Ctrl-C stops everything.
USAGE
  exit 0
fi
mkdir -p .data/logs

# Settings from .env, if present (see .env.example). A variable already set in the environment wins
# over .env, the way dotenv loaders behave: the caller's shell is the more specific choice.
# Each name .env assigns is read from .env (sourced in a subshell) only when the environment has no
# such variable at all.
if [ -f .env ]; then
  for name in $(sed -nE 's/^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=.*/\2/p' .env); do
    if [ -z "${!name+set}" ]; then export "$name=$(set -a; . ./.env; printf '%s' "${!name}")"; fi
  done
fi

if [ ! -d node_modules ]; then
  echo "Installing npm packages..."
  npm ci --no-audit --no-fund
fi

export STREAM_REDIS_URL="${STREAM_REDIS_URL:-redis://127.0.0.1:6379}"
if ! node scripts/redis-ping.js "$STREAM_REDIS_URL"; then
  redis_host=$(node -e 'console.log(new URL(process.argv[1]).hostname)' "$STREAM_REDIS_URL")
  redis_port=$(node -e 'console.log(new URL(process.argv[1]).port || 6379)' "$STREAM_REDIS_URL")
  if [[ "$redis_host" =~ ^(127\.0\.0\.1|localhost)$ ]] && command -v redis-server >/dev/null; then
    echo "Redis not reachable; starting a local redis-server on port $redis_port (no persistence)."
    redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
      --dir "$PWD/.data" --logfile "$PWD/.data/logs/redis.log"
    for _ in $(seq 1 50); do node scripts/redis-ping.js "$STREAM_REDIS_URL" && break; sleep 0.2; done
  fi
  if ! node scripts/redis-ping.js "$STREAM_REDIS_URL"; then
    echo "Redis is not reachable at the configured STREAM_REDIS_URL and no local redis-server could be started." >&2
    echo "Install one (apt-get install redis-server) or point STREAM_REDIS_URL at a running Redis." >&2
    exit 1
  fi
fi

# Development secrets, generated once each and kept in .data/dev-secrets.env (never committed): the
# bearer-token secret, the key that encrypts stored OAuth tokens and RTMP URLs, and the custom webhook
# signing secret (without it /stream/webhook/custom answers 503 and the demo cannot deliver chat).
# Each one is used only where the environment and .env leave it unset; production sets real ones.
dev_secrets=.data/dev-secrets.env
touch "$dev_secrets" && chmod 600 "$dev_secrets"
dev_secret() { # name, generator (node expression): appends the secret when the file lacks it
  grep -q "^$1=" "$dev_secrets" || echo "$1=$(node -e "console.log($2)")" >> "$dev_secrets"
}
dev_secret STREAM_AUTH_JWT_SECRET 'require("crypto").randomBytes(32).toString("hex")'
dev_secret STREAM_TOKEN_ENCRYPTION_KEY 'require("crypto").randomBytes(32).toString("base64")'
dev_secret STREAM_CUSTOM_WEBHOOK_SECRET 'require("crypto").randomBytes(32).toString("hex")'
for name in STREAM_AUTH_JWT_SECRET STREAM_TOKEN_ENCRYPTION_KEY STREAM_CUSTOM_WEBHOOK_SECRET; do
  if [ -z "${!name:-}" ]; then export "$name=$(sed -n "s/^$name=//p" "$dev_secrets")"; fi
done

# A stack started to try lib-stream has the service switched on unless .env says otherwise, and can
# broadcast between local processes (a camera on :1935, a receiving "platform" on 127.0.0.1): the
# production defaults (broadcasting off, private and loopback hosts refused) apply when these are set.
export STREAM_ENABLED="${STREAM_ENABLED:-true}"
export STREAM_BROADCAST_ENABLED="${STREAM_BROADCAST_ENABLED:-true}"
export STREAM_MEDIA_ALLOW_PRIVATE_HOSTS="${STREAM_MEDIA_ALLOW_PRIVATE_HOSTS:-true}"

# Audio-only broadcasts show STREAM_DEFAULT_BACKGROUND_VIDEO; its default (/opt/bannou/...) exists
# only on the production image, so unless it is set or present, make a 10 s black clip once.
if [ -z "${STREAM_DEFAULT_BACKGROUND_VIDEO:-}" ] && [ ! -f /opt/bannou/backgrounds/default.mp4 ]; then
  background="$PWD/.data/media/default-background.mp4"
  ffmpeg_bin="${STREAM_FFMPEG_PATH:-/usr/bin/ffmpeg}"
  if [ ! -f "$background" ] && [ -x "$ffmpeg_bin" ]; then
    mkdir -p "$(dirname "$background")"
    for encoder in libx264 libopenh264; do
      "$ffmpeg_bin" -nostdin -loglevel error -y -f lavfi -i color=c=black:s=1280x720:r=30 \
        -f lavfi -i anullsrc=r=44100:cl=stereo -t 10 -c:v "$encoder" -pix_fmt yuv420p -c:a aac \
        -shortest "$background.tmp.mp4" 2>/dev/null && mv "$background.tmp.mp4" "$background" && break
    done
    rm -f "$background.tmp.mp4"
  fi
  # Without FFmpeg or an H.264 encoder there is no clip, and broadcasts fall back to black frames.
  if [ -f "$background" ]; then export STREAM_DEFAULT_BACKGROUND_VIDEO="$background"; fi
fi

# Encoded fallbacks use STREAM_BROADCAST_VIDEO_CODEC, libopenh264 by default (the LGPL build production
# runs). Debian's FFmpeg is GPL and lacks it: unless you chose an encoder, a local stack uses libx264.
ffmpeg_bin="${STREAM_FFMPEG_PATH:-/usr/bin/ffmpeg}"
if [ -z "${STREAM_BROADCAST_VIDEO_CODEC:-}" ] && [ -x "$ffmpeg_bin" ] \
  && ! "$ffmpeg_bin" -hide_banner -encoders 2>/dev/null | grep -qw libopenh264; then
  echo "This FFmpeg has no libopenh264 (a GPL build?): encoding fallbacks with libx264, for development only."
  export STREAM_BROADCAST_VIDEO_CODEC=libx264
fi

declare -A ports=(
  [control-api]="${CONTROL_API_PORT:-3000}"
  [media-worker]="${MEDIA_WORKER_HTTP_PORT:-3001}"
  [pulse-publisher]="${PULSE_PUBLISHER_HTTP_PORT:-3002}"
)
# A port already taken (often a stack started earlier) would make an app die at start while the
# readiness check below answered from the other process: refuse up front, naming the setting.
port_busy() { # port: exit 0 when something listens on it
  node -e 'const s=require("net").createServer();s.once("error",()=>process.exit(0));s.listen(Number(process.argv[1]),()=>s.close(()=>process.exit(1)))' "$1"
}
for check in "control-api:${ports[control-api]}:CONTROL_API_PORT" "media-worker:${ports[media-worker]}:MEDIA_WORKER_HTTP_PORT" \
  "pulse-publisher:${ports[pulse-publisher]}:PULSE_PUBLISHER_HTTP_PORT" "media-worker RTMP ingest:${STREAM_RTMP_INGEST_PORT:-1935}:STREAM_RTMP_INGEST_PORT"; do
  IFS=: read -r what port setting <<< "$check"
  if port_busy "$port"; then
    echo "Port $port ($what) is already in use - another lib-stream stack? Stop it, or set $setting to a free port." >&2
    exit 1
  fi
done

echo "Building the apps..."
npx nx run-many -t build -p control-api media-worker pulse-publisher --output-style=static > .data/logs/build.log 2>&1 \
  || { tail -n 40 .data/logs/build.log >&2; exit 1; }

pids=()
stop_all() { # exit code
  echo "Stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
  exit "${1:-0}"
}
trap 'stop_all 0' INT TERM

for app in control-api media-worker pulse-publisher; do
  # One log per run (the previous run's is kept as .previous.log), so what is shown on failure is this run's.
  [ -f ".data/logs/$app.log" ] && mv ".data/logs/$app.log" ".data/logs/$app.previous.log"
  node "dist/apps/$app/main.js" > ".data/logs/$app.log" 2>&1 &
  pids+=("$!")
done

ready() { node -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1)).catch(() => process.exit(1))' "$1"; }
i=0
for app in control-api media-worker pulse-publisher; do
  pid=${pids[$i]}; i=$((i + 1))
  url="http://127.0.0.1:${ports[$app]}/health/ready"
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break # it exited: no point waiting
    ready "$url" && break
    sleep 0.2
  done
  if ! kill -0 "$pid" 2>/dev/null || ! ready "$url"; then
    echo "$app did not become ready; last log lines (.data/logs/$app.log):" >&2
    tail -n 20 ".data/logs/$app.log" >&2
    stop_all 1
  fi
done

database="SQLite file .data/control-api.sqlite"
[ -n "${STREAM_DATABASE_URL:-}" ] && database="MySQL (STREAM_DATABASE_URL)"
cat <<INFO

lib-stream is running.
  control-api       http://localhost:${ports[control-api]}        API docs: http://localhost:${ports[control-api]}/docs   operator page: http://localhost:${ports[control-api]}/ops
  media-worker      http://localhost:${ports[media-worker]}/health/ready
  pulse-publisher   http://localhost:${ports[pulse-publisher]}/health/ready
  database          $database
  redis             events on channels stream.* (see README "Events on Redis")
  logs              .data/logs/
  a bearer token    node scripts/dev-token.js [accountId] [roles]
Press Ctrl-C to stop.
INFO
wait
