import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { Linter, type Rule } from 'eslint';
import tseslint from 'typescript-eslint';

// The workspace's lint rule against import loops (eslint.config.mjs), loaded by path: it is a plain
// CommonJS file of the tools project, not a module of this lib.
const rule = require(resolve(__dirname, '../../..', 'tools/eslint/no-import-cycle.js')) as Rule.RuleModule;

describe('local/no-import-cycle', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'import-cycle-rule-'));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  /** Writes the files (path under `root` → source) and lints `target` as ESLint would. */
  function lint(files: Record<string, string>, target: string): string[] {
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), source);
    }
    const config: Linter.Config[] = [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser as Linter.Parser },
        plugins: { local: { rules: { 'no-import-cycle': rule } } },
        rules: { 'local/no-import-cycle': 'error' },
      },
    ];
    return new Linter({ cwd: root }).verify(files[target], config, { filename: join(root, target) }).map((message) => message.message);
  }

  it('reports an import that closes a loop of files, naming the chain (type-only imports included)', () => {
    const files = {
      'libs/kit/src/a.ts': "import { b } from './b';\nexport const a = b;\n",
      'libs/kit/src/b.ts': "import type { C } from './c';\nexport const b: C = 1;\n",
      'libs/kit/src/c.ts': "import { a } from './a';\nexport type C = typeof a;\n",
    };
    expect(lint(files, 'libs/kit/src/a.ts')).toEqual([expect.stringContaining('Import cycle: libs/kit/src/a.ts → libs/kit/src/b.ts → libs/kit/src/c.ts → libs/kit/src/a.ts')]);
  });

  it('reports feature folders that depend on each other in a loop although no file loop exists', () => {
    const files = {
      'apps/api/src/sessions/session.service.ts': "import { quota } from '../youtube/quota';\nexport const session = quota;\n",
      'apps/api/src/sessions/session-event.ts': 'export type SessionEvent = string;\n',
      'apps/api/src/youtube/quota.ts': 'export const quota = 1;\n',
      'apps/api/src/youtube/poller.ts': "import type { SessionEvent } from '../sessions/session-event';\nexport type Poll = SessionEvent;\n",
    };
    expect(lint(files, 'apps/api/src/sessions/session.service.ts')).toEqual([
      expect.stringContaining('Feature folders depend on each other in a loop: sessions → youtube → sessions (back through apps/api/src/youtube/poller.ts → apps/api/src/sessions/session-event.ts)'),
    ]);
  });

  it('accepts imports that go one way, between files and between features', () => {
    const files = {
      'apps/api/src/app.module.ts': "import { session } from './sessions/session.service';\nexport const app = session;\n",
      'apps/api/src/sessions/session.service.ts': "import { quota } from '../youtube/quota';\nimport { store } from './store';\nexport const session = quota + store;\n",
      'apps/api/src/sessions/store.ts': "import { quota } from '../youtube/quota';\nexport const store = quota;\n",
      'apps/api/src/youtube/quota.ts': "import { day } from './day';\nexport const quota = day;\n",
      'apps/api/src/youtube/day.ts': 'export const day = 1;\n',
    };
    for (const file of Object.keys(files)) expect(lint(files, file)).toEqual([]);
  });
});
