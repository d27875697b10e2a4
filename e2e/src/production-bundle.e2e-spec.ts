import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { TEST_JWT_SECRET, WORKSPACE_ROOT, freePort, productionDependencies, startBuiltApp, waitForReady } from '@lib-stream/testing';

// What the Docker runtime stage does: dist/apps/<app> + its generated package.json, production
// dependencies only (npm ci against the root lockfile), outside the workspace so nothing resolves
// from the root node_modules.
describe('control-api bundle with production dependencies only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lib-stream-prod-'));

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('installs from its generated package.json and starts on the embedded SQLite default', async () => {
    cpSync(resolve(WORKSPACE_ROOT, 'dist/apps/control-api'), dir, { recursive: true });
    symlinkSync(productionDependencies('control-api'), join(dir, 'node_modules'));

    const port = await freePort();
    const app = startBuiltApp('control-api', {
      STREAM_AUTH_JWT_SECRET: TEST_JWT_SECRET,
      STREAM_DATA_DIR: join(dir, 'data'),
      CONTROL_API_PORT: String(port),
    }, join(dir, 'main.js'));
    try {
      await waitForReady(`http://127.0.0.1:${port}`);
      const docs = await fetch(`http://127.0.0.1:${port}/docs-json`);
      expect(docs.status).toBe(200);
    } finally {
      expect(await app.stop()).toBe(0);
    }
  }, 180_000);
});
