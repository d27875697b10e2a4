// The operator page: a bearer token → a single-use ticket (POST /stream/events/ticket) → the
// /stream/events socket, subscribed to every topic the token's roles allow, rendered as tables.
// Every value from the server goes into the DOM through textContent, never as HTML.

const TOKEN_KEY = 'lib-stream-ops-token';
const ROLE_FOR_TOPIC = { broadcasts: 'admin', cameras: 'admin', sessions: 'user', pulse: 'developer' };
/** Close code for an expired token (see the README): a new token is needed, not just a reconnect. */
const TOKEN_EXPIRED = 4401;
const MAX_PULSE_ROWS = 20;
/**
 * Broadcasts' and sessions' snapshots re-read this often. Health, destination states and viewer
 * counts come as events; this is the safety net for what has none (source label and fps, bytes sent,
 * restarts) and for a change whose event never came (a worker killed before publishing; its adopter
 * publishes afresh). Once a minute: each re-read costs the server a Redis scan of every broadcast.
 */
const REFRESH_MS = 60000;
/** How long a status event outranks a re-read snapshot (the status it reads may lag by a second or so). */
const STATUS_EVENT_WINS_MS = 5000;

const $ = (id) => document.getElementById(id);

const state = {
  token: null,
  topics: [],
  socket: null,
  cursor: null,
  retryMs: 1000,
  retryTimer: null,
  refreshTimer: null,
  periodicTimer: null,
  broadcasts: new Map(),
  cameras: new Map(),
  sessions: new Map(),
  pulses: new Map(),
};

// ---- token ----------------------------------------------------------------------------------

/** A `#token=` in the address: stored in this tab and removed from the address bar and history; or null. */
function takeHashToken() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (!fromHash) return null;
  sessionStorage.setItem(TOKEN_KEY, fromHash);
  history.replaceState(null, '', location.pathname + location.search);
  return fromHash;
}

/** `#token=` wins; otherwise this tab's storage. */
function initialToken() {
  return takeHashToken() ?? sessionStorage.getItem(TOKEN_KEY);
}

/** The roles claimed by the token (unverified: only to choose topics; the server decides). */
function rolesOf(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const roles = JSON.parse(atob(payload)).roles;
    return Array.isArray(roles) ? roles : [];
  } catch {
    return [];
  }
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  closeSocket();
  setConnection('signed-out', 'signed out');
  $('dashboard').hidden = true;
  $('forget').hidden = true;
  $('login').hidden = false;
  notice(message);
}

function signIn(token) {
  state.token = token;
  state.topics = Object.keys(ROLE_FOR_TOPIC).filter((topic) => rolesOf(token).includes(ROLE_FOR_TOPIC[topic]));
  if (state.topics.length === 0) return signOut('This token has none of the roles admin, user or developer.');
  $('login').hidden = true;
  $('forget').hidden = false;
  $('dashboard').hidden = false;
  for (const section of document.querySelectorAll('section[data-topic]')) section.hidden = !state.topics.includes(section.dataset.topic);
  notice('');
  void connect();
}

// ---- connection -----------------------------------------------------------------------------

function setConnection(name, text) {
  const badge = $('connection');
  badge.dataset.state = name;
  badge.textContent = text;
}

function notice(text) {
  $('notice').textContent = text;
}

function closeSocket() {
  clearTimeout(state.retryTimer);
  clearTimeout(state.refreshTimer);
  clearInterval(state.periodicTimer);
  if (state.socket) {
    state.socket.onclose = null;
    state.socket.close();
    state.socket = null;
  }
}

function scheduleReconnect(reason) {
  setConnection('reconnecting', `reconnecting in ${Math.round(state.retryMs / 1000)} s (${reason})`);
  clearTimeout(state.retryTimer);
  state.retryTimer = setTimeout(() => void connect(), state.retryMs);
  state.retryMs = Math.min(state.retryMs * 2, 15000);
}

async function connect() {
  if (!state.token) return;
  closeSocket();
  setConnection('connecting', 'connecting…');
  let response;
  try {
    response = await fetch('/stream/events/ticket', { method: 'POST', headers: { Authorization: `Bearer ${state.token}` } });
  } catch {
    return scheduleReconnect('control-api unreachable');
  }
  if (response.status === 401 || response.status === 403) {
    const body = await response.json().catch(() => ({}));
    return signOut(`Token refused: ${typeof body.message === 'string' ? body.message : response.status}`);
  }
  if (!response.ok) return scheduleReconnect(`ticket: HTTP ${response.status}`);
  const { ticket } = await response.json();
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(`${scheme}//${location.host}/stream/events?ticket=${encodeURIComponent(ticket)}`);
  state.socket = socket;
  socket.onopen = () => {
    state.retryMs = 1000;
    setConnection('live', 'live');
    // With the last cursor seen, the server replays what was missed (or answers resync + snapshot).
    subscribe(state.topics, state.cursor);
    const polled = state.topics.filter((topic) => topic === 'broadcasts' || topic === 'sessions');
    if (polled.length > 0) state.periodicTimer = setInterval(() => subscribe(polled), REFRESH_MS);
  };
  socket.onmessage = (message) => onFrame(JSON.parse(message.data));
  socket.onclose = (event) => {
    state.socket = null;
    clearInterval(state.periodicTimer);
    if (event.code === TOKEN_EXPIRED) return signOut('The token expired: paste a fresh one.');
    scheduleReconnect(event.code === 1006 ? 'connection lost' : `closed ${event.code}`);
  };
}

function subscribe(topics, since) {
  if (!state.socket || state.socket.readyState !== WebSocket.OPEN) return;
  const message = { type: 'subscribe', topics };
  if (since) message.since = since;
  state.socket.send(JSON.stringify(message));
}

/**
 * A start or a recording event changes what only the snapshot holds (source, worker, recording
 * totals): re-read it, debounced (and every REFRESH_MS anyway).
 */
function refreshSoon(topic) {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(() => subscribe([topic]), 500);
}

// ---- frames ---------------------------------------------------------------------------------

function onFrame(frame) {
  if (typeof frame.cursor === 'string') state.cursor = frame.cursor;
  switch (frame.type) {
    case 'subscribed':
      if (frame.snapshot) applySnapshot(frame.snapshot);
      if (frame.snapshotError) notice(frame.snapshotError);
      break;
    case 'event':
      applyEvent(frame);
      break;
    case 'resync':
      // The cursor is too old (a snapshot follows) or Redis was cut (none follows: subscribe again).
      state.cursor = null;
      notice('Resynchronised after a gap.');
      if (frame.snapshotFollows === false && Array.isArray(frame.topics) && frame.topics.length > 0) subscribe(frame.topics);
      break;
    case 'missed':
      notice(`${frame.count} update(s) missed (slow connection); reloading the current state.`);
      state.cursor = null;
      subscribe(state.topics);
      break;
    case 'error':
      notice(`${frame.code}: ${frame.message}`);
      break;
  }
  render();
}

function applySnapshot(snapshot) {
  if (Array.isArray(snapshot.broadcasts)) {
    const now = Date.now();
    state.broadcasts = new Map(
      snapshot.broadcasts.map((b) => {
        const seen = state.broadcasts.get(b.broadcastId);
        // The snapshot reads the status the worker writes about once a second: a status event
        // received shortly before it is newer, so its health and destination states stand.
        if (seen?.statusAt && now - seen.statusAt < STATUS_EVENT_WINS_MS) {
          return [b.broadcastId, { ...b, health: seen.health ?? b.health, healthReason: seen.healthReason ?? b.healthReason, destinations: seen.destinations, statusAt: seen.statusAt }];
        }
        return [b.broadcastId, b];
      }),
    );
  }
  if (Array.isArray(snapshot.cameras)) state.cameras = new Map(snapshot.cameras.map((c) => [c.cameraId, c]));
  if (Array.isArray(snapshot.sessions)) state.sessions = new Map(snapshot.sessions.map((s) => [s.platformSessionId, s]));
}

function applyEvent({ topic, event, data }) {
  if (topic === 'broadcasts') {
    const current = state.broadcasts.get(data.broadcastId) ?? { broadcastId: data.broadcastId, destinations: [] };
    if (event === 'stream.broadcast.stopped') return void state.broadcasts.delete(data.broadcastId);
    // A stop's last status events must not bring back a row the stop removed.
    if ((data.health === 'stopped' || data.state === 'stopped') && !state.broadcasts.has(data.broadcastId)) return;
    if (event === 'stream.broadcast.source-changed') state.broadcasts.set(data.broadcastId, { ...current, videoSourceType: data.currentSource });
    if (event === 'stream.broadcast.started') state.broadcasts.set(data.broadcastId, { ...current, sourceType: data.sourceType, health: current.health ?? 'starting' });
    const statusAt = Date.now();
    if (event === 'stream.broadcast.health-changed') state.broadcasts.set(data.broadcastId, { ...current, health: data.health, healthReason: data.reason, statusAt });
    if (event === 'stream.broadcast.destination-changed') state.broadcasts.set(data.broadcastId, { ...current, destinations: withDestination(current.destinations, data), statusAt });
    if (event === 'stream.broadcast.started' || event.startsWith('stream.broadcast.recording.')) refreshSoon('broadcasts');
  } else if (topic === 'cameras') {
    const current = state.cameras.get(data.cameraId) ?? { cameraId: data.cameraId, name: null };
    if (event.endsWith('.started')) {
      state.cameras.set(data.cameraId, { ...current, source: data.source ?? current.source, state: 'live', liveSince: data.timestamp, workerId: data.workerId ?? current.workerId, metadata: data.metadata ?? current.metadata });
    } else {
      state.cameras.set(data.cameraId, { ...current, state: 'offline', liveSince: null, workerId: null });
    }
  } else if (topic === 'sessions') {
    if (event === 'stream.platform.session.viewers') {
      // Latest value; only for a session shown (a late count must not bring back one that ended).
      const session = state.sessions.get(data.platformSessionId);
      if (session) state.sessions.set(data.platformSessionId, { ...session, viewerCount: data.viewerCount, peakViewerCount: data.peakViewerCount });
    } else if (event.endsWith('.ended')) state.sessions.delete(data.platformSessionId);
    else state.sessions.set(data.platformSessionId, { ...data, state: 'active', viewerCount: null, peakViewerCount: null, startedAt: data.timestamp });
  } else if (topic === 'pulse') {
    state.pulses.delete(data.platformSessionId);
    state.pulses.set(data.platformSessionId, data);
    if (state.pulses.size > MAX_PULSE_ROWS) state.pulses.delete(state.pulses.keys().next().value);
  }
}

/** The destinations with one changed (its masked label for a new one); one removed from the broadcast (index null) goes. */
function withDestination(destinations, change) {
  const others = (destinations ?? []).filter((d) => d.destinationId !== change.destinationId);
  if (change.index === null) return others;
  const current = (destinations ?? []).find((d) => d.destinationId === change.destinationId) ?? { destinationId: change.destinationId, rtmpOutputUrl: change.label };
  const next = [...others];
  next.splice(Math.min(change.index, next.length), 0, { ...current, state: change.state, retryCount: change.retryCount });
  return next;
}

// ---- rendering ------------------------------------------------------------------------------

/** A table cell with `text` (always as text) and optional classes. */
function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text === null || text === undefined || text === '' ? '—' : String(text);
  if (className) td.className = className;
  return td;
}

function row(id, cells) {
  const tr = document.createElement('tr');
  tr.dataset.id = id;
  tr.append(...cells);
  return tr;
}

const stateClass = (value) => `state-${String(value ?? 'unknown').replace(/[^\w-]/g, '')}`;
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : null);

function destinationsCell(destinations) {
  const td = document.createElement('td');
  const list = document.createElement('ul');
  list.className = 'destinations';
  for (const destination of destinations ?? []) {
    const item = document.createElement('li');
    // rtmpOutputUrl is masked by the server (rtmp://host/app/****).
    const retries = destination.retryCount > 0 ? ` (retry ${destination.retryCount})` : '';
    item.textContent = `${destination.rtmpOutputUrl ?? destination.destinationId}: ${destination.state}${retries}`;
    item.className = stateClass(destination.state);
    list.append(item);
  }
  td.append(list);
  return td;
}

function recording(view) {
  if (!view) return null;
  return `${view.state} · ${view.segments} segments · ${(view.bytes / 1e6).toFixed(1)} MB`;
}

function video(metadata) {
  if (!metadata || !metadata.width) return null;
  return `${metadata.width}×${metadata.height} ${metadata.fps ?? '?'} fps ${metadata.videoCodec ?? ''}`.trim();
}

function fill(topic, rows) {
  $(topic).querySelector('tbody').replaceChildren(...rows);
}

function render() {
  fill(
    'broadcasts',
    [...state.broadcasts.values()].map((b) =>
      row(b.broadcastId, [
        cell(b.broadcastId, 'id'),
        cell(b.sourceId ? `${b.sourceType} ${b.sourceId}` : b.sourceType),
        cell(b.videoSourceType, `on-air source-${String(b.videoSourceType).replace(/[^\w-]/g, '')}`),
        cell(b.healthReason ? `${b.health} · ${b.healthReason.replace(/_/g, ' ')}` : b.health, `health ${stateClass(b.health)}`),
        destinationsCell(b.destinations),
        cell(recording(b.recording)),
        cell(b.workerId, 'id'),
        cell(time(b.startedAt)),
      ]),
    ),
  );
  fill(
    'cameras',
    [...state.cameras.values()].map((c) =>
      row(c.cameraId, [
        cell(c.cameraId, 'id'),
        cell(c.name),
        cell(c.state, `camera-state ${stateClass(c.state)}`),
        cell(c.source),
        cell(video(c.metadata)),
        cell(c.metadata?.audioCodec),
        cell(c.workerId, 'id'),
      ]),
    ),
  );
  fill(
    'sessions',
    [...state.sessions.values()].map((s) =>
      row(s.platformSessionId, [cell(s.platformSessionId, 'id'), cell(s.platform), cell(s.state), cell(s.viewerCount), cell(s.peakViewerCount), cell(time(s.startedAt))]),
    ),
  );
  fill(
    'pulse',
    [...state.pulses.values()].reverse().map((p) =>
      row(p.platformSessionId, [
        cell(p.platformSessionId, 'id'),
        cell(time(p.timestamp)),
        cell(p.approximateViewerCount),
        cell(p.entries),
        cell(Object.entries(p.counts ?? {}).map(([category, count]) => `${category} ${count}`).join(', ')),
        cell(p.meanIntensity),
      ]),
    ),
  );
}

// ---- start ----------------------------------------------------------------------------------

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = $('token').value.trim().replace(/^Bearer\s+/i, '');
  $('token').value = '';
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  signIn(token);
});
$('forget').addEventListener('click', () => signOut('Token forgotten.'));
// A `#token=` link followed while /ops is already open only changes the hash: sign in with it too.
window.addEventListener('hashchange', () => {
  const token = takeHashToken();
  if (!token) return;
  state.cursor = null; // another token may see other topics: start from a fresh snapshot
  signIn(token);
});

const token = initialToken();
if (token) signIn(token);
else signOut('');
