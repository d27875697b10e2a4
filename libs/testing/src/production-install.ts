import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

import { WORKSPACE_ROOT } from './processes';

/**
 * Kept installs, outside the workspace (else a package missing from one would resolve from the root
 * node_modules) and outside the test run's TMPDIR (removed after each run).
 */
const CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'lib-stream', 'production-dependencies');
/** Installs unused this long are removed when another one is made (other checkouts may use theirs meanwhile). */
const UNUSED_MS = 24 * 3600_000;

/**
 * What the Docker runtime stage installs for a built app: `npm ci --omit=dev` from dist/apps/<app>/
 * package.json against the root lockfile. Returns the node_modules directory it made.
 *
 * The install is a function of those two files, npm's version and Node's (install scripts build for
 * its ABI), so it is kept by their hash and reused while none of them changes: `npm ci` was ~20 CPU-s
 * and 35 s of the e2e run (86 s beside the whole run). A change to the bundle's externals or to the
 * lockfile installs afresh.
 */
export function productionDependencies(app: string): string {
  const manifest = resolve(WORKSPACE_ROOT, 'dist/apps', app, 'package.json');
  const lockfile = resolve(WORKSPACE_ROOT, 'package-lock.json');
  const npmVersion = execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim();
  const key = createHash('sha256')
    .update(readFileSync(manifest))
    .update('\0')
    .update(readFileSync(lockfile))
    .update(`\0${npmVersion}\0${process.version}\0${process.arch}`)
    .digest('hex')
    .slice(0, 16);
  const dir = join(CACHE, key);
  if (!existsSync(dir)) {
    mkdirSync(CACHE, { recursive: true });
    // Installed beside, then renamed: a run that dies midway leaves no half install under the key.
    const staging = mkdtempSync(join(CACHE, 'staging-'));
    try {
      cpSync(manifest, join(staging, 'package.json'));
      cpSync(lockfile, join(staging, 'package-lock.json'));
      execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: staging, stdio: 'ignore' });
      try {
        renameSync(staging, dir);
      } catch (error) {
        if (!existsSync(dir)) throw error; // else another run installed the same meanwhile
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    removeUnused(dir);
  }
  const now = new Date();
  utimesSync(dir, now, now);
  return join(dir, 'node_modules');
}

function removeUnused(keep: string): void {
  for (const name of readdirSync(CACHE)) {
    const dir = join(CACHE, name);
    if (dir !== keep && Date.now() - statSync(dir).mtimeMs > UNUSED_MS) rmSync(dir, { recursive: true, force: true });
  }
}
