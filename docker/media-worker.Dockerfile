# syntax=docker/dockerfile:1
# Build context: the repository root (docker build -f docker/media-worker.Dockerfile .).
# FFmpeg: FFMPEG=debian (default) installs Debian's package, which is built with --enable-gpl
# (libx264): fine for development, not for production. Production builds on an LGPL FFmpeg (README,
# Broadcasts): FFMPEG=lgpl with FFMPEG_LGPL_URL = a static LGPL linux64 build tarball (for example a
# BtbN FFmpeg-Builds "linux64-lgpl" release, which has libopenh264); the build fails if it is GPL.
ARG FFMPEG=debian

# --- Stage 1: build the bundle with the full (dev) toolchain ---
FROM node:20-bookworm-slim AS build
ENV NX_DAEMON=false NX_NO_CLOUD=true
WORKDIR /workspace
# Manifests first so the npm ci layer is cached until dependencies change.
COPY package.json package-lock.json ./
# npm 11 can write a lockfile its own `npm ci` refuses (other platforms' optional packages left out).
RUN npm ci || npm install
COPY . .
RUN npx nx build media-worker

# --- FFmpeg (a separate binary: the worker only runs it as a process) ---
FROM node:20-bookworm-slim AS ffmpeg-debian
# No recommends keeps the image smaller.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*

FROM node:20-bookworm-slim AS ffmpeg-lgpl
ARG FFMPEG_LGPL_URL
RUN test -n "$FFMPEG_LGPL_URL" || (echo "FFMPEG=lgpl needs --build-arg FFMPEG_LGPL_URL" && exit 1) \
 && apt-get update && apt-get install -y --no-install-recommends ca-certificates curl xz-utils \
 && mkdir -p /opt/ffmpeg && curl -fsSL "$FFMPEG_LGPL_URL" | tar -xJ -C /opt/ffmpeg --strip-components=1 \
 && ln -s /opt/ffmpeg/bin/ffmpeg /usr/bin/ffmpeg && ln -s /opt/ffmpeg/bin/ffprobe /usr/bin/ffprobe \
 && ! /usr/bin/ffmpeg -hide_banner -buildconf | grep -q -e '--enable-gpl' -e '--enable-nonfree' \
 && apt-get purge -y curl xz-utils && rm -rf /var/lib/apt/lists/*

# --- Stage 2: runtime with production dependencies only ---
FROM ffmpeg-${FFMPEG} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# dist holds main.js plus the package.json Nx generates (production deps only).
COPY --from=build /workspace/dist/apps/media-worker/ ./
# The root lockfile pins every version; npm ci installs the production tree the generated
# package.json needs, and npm install stands in where npm 11 refuses its own lockfile.
COPY --from=build /workspace/package-lock.json ./
RUN (npm ci --omit=dev || npm install --omit=dev) && npm cache clean --force
# Files stay root-owned (read-only for the app); the process runs as uid 1000.
USER node
EXPOSE 3001 1935
STOPSIGNAL SIGTERM
CMD ["node", "main.js"]
