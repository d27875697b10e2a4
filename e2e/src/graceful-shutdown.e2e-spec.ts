import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';

import {
  TEST_JWT_SECRET,
  type TestDatabase,
  bearerToken,
  createTestDatabase,
  freePort,
  startBuiltApp,
  waitForReady,
} from '@lib-stream/testing';

const CLIENTS = 8;
const SHUTDOWN_TIMEOUT_SECONDS = 20;

type Outcome =
  | { kind: 'answered'; status: number; name: string; hadKey: boolean; connectionClose: boolean }
  /** The connection was refused or closed before any response byte: the server never took it. */
  | { kind: 'unanswered'; name: string; error: string }
  /** Headers arrived but the body was cut: the one outcome a graceful stop must never produce. */
  | { kind: 'half-answered'; name: string; error: string };

/** One POST /stream/camera/create on a keep-alive agent, classified by how far the answer got. */
function createCamera(agent: Agent, port: number, name: string): Promise<Outcome> {
  const body = JSON.stringify({ name });
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/stream/camera/create',
        headers: { Authorization: bearerToken('ops-shutdown', ['admin']), 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('aborted', () => resolve({ kind: 'half-answered', name, error: 'aborted' }));
        res.on('error', (error) => resolve({ kind: 'half-answered', name, error: error.message }));
        res.on('end', () => {
          let hadKey = false;
          try {
            hadKey = typeof (JSON.parse(text) as { streamKey?: unknown }).streamKey === 'string';
          } catch {
            resolve({ kind: 'half-answered', name, error: `unparseable body (${text.length} bytes)` });
            return;
          }
          resolve({ kind: 'answered', status: res.statusCode ?? 0, name, hadKey, connectionClose: res.headers.connection === 'close' });
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ kind: 'unanswered', name, error: error.code ?? error.message }));
    req.end(body);
  });
}

describe('control-api stopping under keep-alive load', () => {
  let db: TestDatabase;
  const dataDir = `${tmpdir()}/lib-stream-e2e-shutdown-${process.pid}`;
  const env = (port: number) => ({
    STREAM_DATABASE_URL: db.url,
    STREAM_AUTH_JWT_SECRET: TEST_JWT_SECRET,
    CONTROL_API_PORT: String(port),
    STREAM_DATA_DIR: dataDir,
    STREAM_SHUTDOWN_TIMEOUT_SECONDS: String(SHUTDOWN_TIMEOUT_SECONDS),
  });

  beforeAll(async () => {
    db = await createTestDatabase('stream_e2e_shutdown');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('finishes in-flight requests, answers them with Connection: close, exits 0 quickly and leaves no camera unanswered', async () => {
    const port = await freePort();
    const app = startBuiltApp('control-api', env(port));
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    const outcomes: Outcome[] = [];
    const prefix = `shutdown-${process.pid}-${Date.now()}`;
    let sigtermAt = 0;
    let answeredAfterSigterm = 0;
    try {
      await waitForReady(`http://127.0.0.1:${port}`);

      // Each client sends its next request as soon as the previous one is answered, on the same
      // keep-alive connection, until the server refuses.
      let sequence = 0;
      const client = async () => {
        for (;;) {
          const outcome = await createCamera(agent, port, `${prefix}-${sequence++}`);
          outcomes.push(outcome);
          if (outcome.kind === 'answered' && sigtermAt > 0) answeredAfterSigterm++;
          if (outcome.kind !== 'answered') return;
        }
      };
      const clients = Array.from({ length: CLIENTS }, () => client());

      await new Promise((resolve) => setTimeout(resolve, 1500));
      const answeredBefore = outcomes.filter((o) => o.kind === 'answered').length;
      expect(answeredBefore).toBeGreaterThan(CLIENTS);
      sigtermAt = Date.now();
      app.child.kill('SIGTERM');
      const code = await app.exited;
      const stoppedAfterMs = Date.now() - sigtermAt;
      await Promise.all(clients);

      expect(code).toBe(0);
      expect(stoppedAfterMs).toBeLessThan((SHUTDOWN_TIMEOUT_SECONDS * 1000) / 4);
      expect(outcomes.filter((o) => o.kind === 'half-answered')).toEqual([]);
      const answered = outcomes.filter((o): o is Extract<Outcome, { kind: 'answered' }> => o.kind === 'answered');
      expect(answered.filter((o) => o.status !== 200 || !o.hadKey)).toEqual([]);
      // Every client ends on a refused or closed connection, never on a hang.
      expect(outcomes.filter((o) => o.kind === 'unanswered')).toHaveLength(CLIENTS);
      // Requests in flight at SIGTERM were still answered, and told the client to hang up (a response
      // already on its way when the signal came has no such header, so not every late one has it).
      expect(answeredAfterSigterm).toBeGreaterThan(0);
      expect(answered.filter((o) => o.connectionClose).length).toBeGreaterThan(0);
      expect(answered.slice(0, -answeredAfterSigterm).filter((o) => o.connectionClose)).toEqual([]);
      expect(app.output()).toContain('"msg":"stopped"');
      expect(app.output()).not.toContain('shutdown timed out');

      // What the server created is exactly what the callers were told about: no camera whose key
      // never reached anyone, and no answered camera missing.
      const restartPort = await freePort();
      const again = startBuiltApp('control-api', env(restartPort));
      try {
        await waitForReady(`http://127.0.0.1:${restartPort}`);
        const list = await fetch(`http://127.0.0.1:${restartPort}/stream/camera/list`, {
          method: 'POST',
          headers: { Authorization: bearerToken('ops-shutdown', ['admin']), 'Content-Type': 'application/json' },
          body: '{}',
        });
        expect(list.status).toBe(200);
        const stored = ((await list.json()) as { cameras: { name: string }[] }).cameras.map((c) => c.name).filter((n) => n.startsWith(prefix));
        expect(stored.sort()).toEqual(answered.map((o) => o.name).sort());
      } finally {
        expect(await again.stop()).toBe(0);
      }
    } finally {
      agent.destroy();
      await app.stop('SIGKILL');
    }
  }, 120_000);
});
