# syntax=docker/dockerfile:1
# Build context: the repository root (docker build -f docker/media-worker.Dockerfile .).
# FFmpeg: FFMPEG=lgpl (default) compiles FFmpeg 5.1 from source without --enable-gpl and with the
# OpenH264 encoder (docker/build-ffmpeg-lgpl.sh), the build the specification's licence terms require.
# FFMPEG=debian installs Debian's package instead: quicker to build, but GPL (--enable-gpl, libx264),
# so for development only (set STREAM_BROADCAST_VIDEO_CODEC=libx264 with it).
ARG FFMPEG=lgpl

# --- Stage 1: build the bundle with the full (dev) toolchain ---
FROM node:20-bookworm-slim AS build
ENV NX_DAEMON=false NX_NO_CLOUD=true
WORKDIR /workspace
# Manifests first so the npm ci layer is cached until dependencies change.
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npx nx build media-worker

# --- FFmpeg (a separate binary: the worker only runs it as a process) ---
FROM node:20-bookworm-slim AS ffmpeg-debian
# No recommends keeps the image smaller.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*

FROM node:20-bookworm-slim AS lgpl-ffmpeg-build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential pkg-config nasm curl ca-certificates xz-utils \
      libopenh264-dev libgnutls28-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
COPY docker/build-ffmpeg-lgpl.sh /tmp/build-ffmpeg-lgpl.sh
RUN bash /tmp/build-ffmpeg-lgpl.sh /opt/ffmpeg

FROM node:20-bookworm-slim AS ffmpeg-lgpl
# Only the shared libraries the LGPL build links (OpenH264 is BSD-2, GnuTLS LGPL, zlib).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenh264-7 libgnutls30 zlib1g \
 && rm -rf /var/lib/apt/lists/*
COPY --from=lgpl-ffmpeg-build /opt/ffmpeg /opt/ffmpeg
RUN ln -s /opt/ffmpeg/bin/ffmpeg /usr/bin/ffmpeg && ln -s /opt/ffmpeg/bin/ffprobe /usr/bin/ffprobe \
 && ! /usr/bin/ffmpeg -hide_banner -buildconf | grep -q -e '--enable-gpl' -e '--enable-nonfree' \
 && /usr/bin/ffmpeg -hide_banner -encoders | grep -q libopenh264

# --- Stage 2: runtime with production dependencies only ---
FROM ffmpeg-${FFMPEG} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# dist holds main.js plus the package.json Nx generates (production deps only).
COPY --from=build /workspace/dist/apps/media-worker/ ./
# The root lockfile pins every version; npm ci installs the production tree the generated
# package.json (its externals at the installed versions) needs.
COPY --from=build /workspace/package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
# Files stay root-owned (read-only for the app); the process runs as uid 1000. The recordings
# directory (STREAM_RECORDINGS_DIR) is the app's: a volume mounted there starts with its owner.
RUN mkdir -p /var/lib/lib-stream/recordings && chown -R node:node /var/lib/lib-stream
USER node
EXPOSE 3001 1935
STOPSIGNAL SIGTERM
CMD ["node", "main.js"]
