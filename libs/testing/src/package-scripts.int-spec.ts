import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { Role } from '@lib-stream/contracts';

// Every `npm run <script>` of package.json must work: what it runs exists (programs, files, nx targets
// and projects), and the scripts with a --help or a dry run answer it. A script pointing at a file that
// was never written (migration:run did) or at an nx target no project has (test:int did) fails here.
const ROOT = resolve(__dirname, '../../..');
const scripts: Record<string, string> = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;

/** Every project.json of the workspace: name → target names. */
function projects(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const visit = (dir: string, depth: number) => {
    if (existsSync(join(dir, 'project.json'))) {
      const project = JSON.parse(readFileSync(join(dir, 'project.json'), 'utf8'));
      found.set(project.name, Object.keys(project.targets ?? {}));
    }
    if (depth === 0) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !/^(node_modules|dist|tmp|\.|coverage)/.test(entry.name)) visit(join(dir, entry.name), depth - 1);
    }
  };
  visit(ROOT, 2);
  return found;
}

function onPath(program: string): boolean {
  return existsSync(join(ROOT, 'node_modules/.bin', program)) || spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
}

/** The words of a script without leading VAR=value assignments. */
function words(command: string): string[] {
  const all = command.split(/\s+/).filter(Boolean);
  while (all.length && /^[A-Z_]+=/.test(all[0])) all.shift();
  return all;
}

function npmRun(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync('npm', ['run', '-s', script, '--', ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
}

describe('package.json scripts', () => {
  const workspace = projects();

  it('finds the workspace projects (the checks below are not vacuous)', () => {
    expect([...workspace.keys()]).toEqual(expect.arrayContaining(['control-api', 'media-worker', 'pulse-publisher', 'nest-kit']));
    expect(Object.keys(scripts).length).toBeGreaterThan(5);
  });

  it.each(Object.entries(scripts))('%s: its program, files and modules exist', (_name, command) => {
    const [program, ...args] = words(command);
    expect({ program, found: onPath(program) }).toEqual({ program, found: true });
    for (const [index, arg] of args.entries()) {
      if (/\.(ts|js|sh)$/.test(arg)) expect({ file: arg, exists: existsSync(join(ROOT, arg)) }).toEqual({ file: arg, exists: true });
      if (args[index - 1] === '-r') expect(() => require.resolve(arg, { paths: [ROOT] })).not.toThrow();
    }
  });

  it.each(Object.entries(scripts).filter(([, command]) => /\bnx run-many\b/.test(command)))('%s: its nx targets and projects exist', (_name, command) => {
    const args = words(command);
    const option = (flag: string) => {
      const index = args.findIndex((arg) => arg === flag);
      return index >= 0 ? args[index + 1].split(',') : [];
    };
    for (const target of option('-t')) {
      const having = [...workspace].filter(([, targets]) => targets.includes(target)).map(([project]) => project);
      expect({ target, projects: having.length > 0 }).toEqual({ target, projects: true });
    }
    for (const project of option('-p')) expect({ project, exists: workspace.has(project) }).toEqual({ project, exists: true });
  });

  it.each(['start', 'migration:run', 'demo'].filter((name) => name in scripts))('%s --help prints its usage and exits 0', (name) => {
    const result = npmRun(name, ['--help']);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: /);
  }, 120_000);

  it('migration:run --dry-run lists pending migrations, the run applies them, and a second dry run finds none', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lib-stream-migrations-'));
    try {
      const env = { STREAM_DATA_DIR: dataDir, STREAM_DATABASE_URL: '' };
      const before = npmRun('migration:run', ['--dry-run'], env);
      expect(before.status).toBe(0);
      expect(before.stdout).toMatch(/: [1-9]\d* pending migration\(s\)\n {2}Create/);
      expect(existsSync(join(dataDir, 'control-api.sqlite'))).toBe(true);

      const run = npmRun('migration:run', [], env);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/applied [1-9]\d* migration\(s\)/);

      expect(npmRun('migration:run', ['--dry-run'], env).stdout).toMatch(/: 0 pending migration\(s\)/);
      expect(npmRun('migration:run', ['--bogus'], env).status).toBe(2);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);

  it('dev-token works from another directory and refuses a role control-api does not know', () => {
    const script = join(ROOT, 'scripts/dev-token.js');
    const env = { ...process.env, STREAM_AUTH_JWT_SECRET: 'test-secret-0123456789abcdef0123456789' };
    const token = execFileSync('node', [script, 'account-1', 'user,admin'], { cwd: tmpdir(), env, encoding: 'utf8' }).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ sub: 'account-1', roles: ['user', 'admin'] });

    const refused = spawnSync('node', [script, 'account-1', 'user,bogusrole'], { cwd: tmpdir(), env, encoding: 'utf8' });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('Unknown role: bogusrole');
  });

  it("dev-token's roles are control-api's roles", () => {
    const help = execFileSync('node', [join(ROOT, 'scripts/dev-token.js'), '--help'], { encoding: 'utf8' });
    expect(/any of: (.*) \(/.exec(help)?.[1].split(', ')).toEqual(Object.values(Role));
  });
});
