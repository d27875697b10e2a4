# syntax=docker/dockerfile:1
# Build context: the repository root (docker build -f docker/pulse-publisher.Dockerfile .).

# --- Stage 1: build the bundle with the full (dev) toolchain ---
FROM node:20-bookworm-slim AS build
ENV NX_DAEMON=false NX_NO_CLOUD=true
WORKDIR /workspace
# Manifests first so the npm ci layer is cached until dependencies change.
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npx nx build pulse-publisher

# --- Stage 2: runtime with production dependencies only ---
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# dist holds main.js plus the package.json Nx generates (production deps only).
COPY --from=build /workspace/dist/apps/pulse-publisher/ ./
# The root lockfile pins every version; npm ci installs the production tree the generated
# package.json (its externals at the installed versions) needs.
COPY --from=build /workspace/package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
# Files stay root-owned (read-only for the app); the process runs as uid 1000.
USER node
EXPOSE 3002
STOPSIGNAL SIGTERM
CMD ["node", "main.js"]
