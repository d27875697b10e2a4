# syntax=docker/dockerfile:1
# Build context: the repository root (docker build -f docker/media-worker.Dockerfile .).

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

# --- Stage 2: runtime with production dependencies only ---
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
# FFmpeg does the broadcast/transcode work; no recommends keeps the image smaller.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
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
