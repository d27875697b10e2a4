// Regenerates .env.example from the settings table: npx ts-node --transpile-only tools/generate-env-example.ts > .env.example
import { SETTINGS, SETTING_NAMES, settingSpec } from '../libs/nest-kit/src/config/settings';
const groups: [string, (n: string) => boolean][] = [
  ['Infrastructure', (n) => /DATABASE_URL|REDIS_URL|JWT|DATA_DIR|LOG_LEVEL|SHUTDOWN|^(CONTROL_API|MEDIA_WORKER_HTTP|PULSE_PUBLISHER_HTTP)_PORT$/.test(n)],
  ['Feature flags', (n) => /^STREAM_(ENABLED|BROADCAST_ENABLED)$/.test(n)],
  ['Platforms (OAuth and webhooks)', (n) => /^(?!.*(EVENTSUB|WEBSUB)).*(TWITCH|YOUTUBE|GOOGLE|OAUTH|TOKEN_|PLATFORM_HTTP)/.test(n)],
  ['Webhooks', (n) => /CUSTOM_WEBHOOK|WEBHOOK_MAX_AGE|EVENTSUB_CALLBACK|WEBSUB/.test(n)],
  ['Camera ingest (media-worker)', (n) => /RTMP_INGEST|CAMERA|ADVERTISED/.test(n)],
  ['Sentiment and tracked viewers', (n) => /SENTIMENT|TRACK/.test(n)],
  ['Sessions and locks', (n) => /SESSION_HISTORY|LOCK|VIEWER_COUNT/.test(n)],
  ['Broadcast (media-worker)', () => true],
];
const done = new Set<string>();
// Every line is a comment (`#NAME=default`), so `cp .env.example .env` changes nothing; a reader
// uncomments the lines they mean to set. Descriptions start with "# ", assignments with "#NAME=".
let out = `# lib-stream configuration. Every line here is a comment: copying this file to .env changes nothing.
# To set a variable, remove the "#" in front of it and change the value; the value shown is the default.
# Every variable is optional unless marked REQUIRED (scripts/start.sh generates the local secrets itself).
# In production set them in the environment / Kubernetes ConfigMap and Secret. Values marked SECRET are
# never logged or returned by the API; keep them in a secret store.
`;
// What a reader of this file needs beyond the setting's own description.
const notes: Record<string, string> = {
  STREAM_DEFAULT_BACKGROUND_VIDEO: 'If the file does not exist broadcasts fall back to black; scripts/start.sh makes a black clip under .data/media/ and uses it when this is not set',
  STREAM_ENABLED: 'scripts/start.sh switches it on unless you set it',
};
for (const [title, match] of groups) {
  const names = SETTING_NAMES.filter((n) => !done.has(n) && match(n));
  if (!names.length) continue;
  out += `\n# --- ${title} ---\n`;
  for (const n of names) {
    done.add(n);
    const s = settingSpec(n);
    const tags = [s.secret ? 'SECRET' : '', s.credentialUrl ? 'may hold a password' : '', n === 'STREAM_AUTH_JWT_SECRET' ? 'REQUIRED by control-api' : ''].filter(Boolean);
    out += `# ${s.description}${tags.length ? ` [${tags.join(', ')}]` : ''}\n`;
    if (notes[n]) out += `# ${notes[n]}\n`;
    out += `#${n}=${s.default}\n`;
  }
}
process.stdout.write(out);
void SETTINGS;
