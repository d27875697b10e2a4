import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { WORKSPACE_ROOT } from '@lib-stream/testing';

// Lint is what keeps apps from importing each other and libs from importing apps; prove it fires.
// Probe files are named *.boundary-probe.ts: npm test's lint and typecheck jobs, which run beside
// this suite, leave such files out (they come and go under their feet).
const PROBES = {
  appImportsApp: ['apps/media-worker/src/app.boundary-probe.ts', "import { AppModule } from '../../control-api/src/app.module';\nexport const probe = AppModule;\n"],
  libImportsApp: ['libs/stream-key/src/app.boundary-probe.ts', "import { AppModule } from '../../../apps/control-api/src/app.module';\nexport const probe = AppModule;\n"],
  appImportsTesting: ['apps/pulse-publisher/src/testing.boundary-probe.ts', "import { expectEventually } from '@lib-stream/testing';\nexport const probe = expectEventually;\n"],
  appImportsSharedLib: ['apps/pulse-publisher/src/shared.boundary-probe.ts', "import { EventTopic } from '@lib-stream/contracts';\nexport const probe = EventTopic.AudiencePulse;\n"],
} as const;

describe('module boundaries', () => {
  /** `rule: message` of each probe, by probe name. */
  const messages = new Map<keyof typeof PROBES, string[]>();

  beforeAll(() => {
    const files = Object.values(PROBES).map(([path, source]) => {
      const file = resolve(WORKSPACE_ROOT, path);
      writeFileSync(file, source);
      return file;
    });
    try {
      // One ESLint run for all probes, with the workspace's config. Its three typed rules are switched
      // off for it, and with them the TypeScript program they need (6 of 9 CPU-s): the rules under
      // test here read imports, not types, and the lint job runs the typed rules over the real code.
      // The CLI, not the Node API: ESLint loads its flat config with a dynamic import jest cannot run.
      const untyped = ['no-floating-promises', 'require-await', 'await-thenable'].flatMap((rule) => ['--rule', `@typescript-eslint/${rule}: off`]);
      const run = spawnSync(resolve(WORKSPACE_ROOT, 'node_modules/.bin/eslint'), ['--format', 'json', '--parser-options', 'project:false', ...untyped, ...files], {
        cwd: WORKSPACE_ROOT,
        encoding: 'utf8',
      });
      const results = JSON.parse(run.stdout) as { filePath: string; messages: { ruleId: string; message: string }[] }[];
      for (const [name, [path]] of Object.entries(PROBES) as [keyof typeof PROBES, readonly [string, string]][]) {
        const result = results.find((r) => r.filePath === resolve(WORKSPACE_ROOT, path));
        messages.set(name, result ? result.messages.map((m) => `${m.ruleId}: ${m.message}`) : [`no lint result for ${path}`]);
      }
    } finally {
      for (const file of files) rmSync(file, { force: true });
    }
  }, 120_000);

  it('refuses an app importing another app', () => {
    expect(messages.get('appImportsApp')?.some((m) => m.startsWith('@nx/enforce-module-boundaries'))).toBe(true);
  });

  it('refuses a lib importing an app', () => {
    expect(messages.get('libImportsApp')?.some((m) => m.startsWith('@nx/enforce-module-boundaries'))).toBe(true);
  });

  it('refuses production code importing the testing lib', () => {
    expect(messages.get('appImportsTesting')).toContainEqual(expect.stringContaining('Only tests may import @lib-stream/testing.'));
  });

  it('accepts an app importing a shared lib', () => {
    expect(messages.get('appImportsSharedLib')).toEqual([]);
  });
});
