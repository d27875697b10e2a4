import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { WORKSPACE_ROOT } from '@lib-stream/testing';

// Lint is what keeps apps from importing each other and libs from importing apps; prove it fires.
describe('module boundaries', () => {
  function lintProbe(path: string, source: string): string[] {
    const file = resolve(WORKSPACE_ROOT, path);
    writeFileSync(file, source);
    try {
      // The CLI, not the Node API: ESLint loads its flat config with a dynamic import jest cannot run.
      const run = spawnSync(resolve(WORKSPACE_ROOT, 'node_modules/.bin/eslint'), ['--format', 'json', file], { cwd: WORKSPACE_ROOT, encoding: 'utf8' });
      const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string; message: string }[] }[];
      return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
    } finally {
      rmSync(file, { force: true });
    }
  }

  it('refuses an app importing another app', () => {
    const messages = lintProbe(
      'apps/media-worker/src/boundary-probe.ts',
      "import { AppModule } from '../../control-api/src/app.module';\nexport const probe = AppModule;\n",
    );
    expect(messages.some((m) => m.startsWith('@nx/enforce-module-boundaries'))).toBe(true);
  });

  it('refuses a lib importing an app', () => {
    const messages = lintProbe(
      'libs/stream-key/src/boundary-probe.ts',
      "import { AppModule } from '../../../apps/control-api/src/app.module';\nexport const probe = AppModule;\n",
    );
    expect(messages.some((m) => m.startsWith('@nx/enforce-module-boundaries'))).toBe(true);
  });

  it('refuses production code importing the testing lib', () => {
    const messages = lintProbe(
      'apps/pulse-publisher/src/boundary-probe.ts',
      "import { expectEventually } from '@lib-stream/testing';\nexport const probe = expectEventually;\n",
    );
    expect(messages).toContainEqual(expect.stringContaining('Only tests may import @lib-stream/testing.'));
  });

  it('accepts an app importing a shared lib', () => {
    const messages = lintProbe(
      'apps/pulse-publisher/src/boundary-probe.ts',
      "import { EventTopic } from '@lib-stream/contracts';\nexport const probe = EventTopic.AudiencePulse;\n",
    );
    expect(messages).toEqual([]);
  });
});
