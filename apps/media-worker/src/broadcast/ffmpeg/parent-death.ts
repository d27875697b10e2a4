import { accessSync, constants } from 'node:fs';
import { isAbsolute } from 'node:path';

/** Where util-linux installs `setpriv` (Debian: essential package, so in every bookworm image). */
const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const setpriv = SETPRIV_PATHS.find(executable) ?? null;

/**
 * The command line that starts `path args` bound to this process's life: `setpriv --pdeathsig KILL --
 * path args` (util-linux, Linux `PR_SET_PDEATHSIG`, kept across the exec). The kernel then SIGKILLs the
 * child when the worker dies by any means — SIGKILL, the OOM killer, a crash — where no exit handler
 * runs; otherwise an orphaned FFmpeg would go on publishing a broadcast that another worker adopts.
 * Without setpriv (not Linux), or for a program that is not an absolute path to an executable (so that a
 * missing FFmpeg still fails the spawn itself, ENOENT), the command is returned unchanged.
 * Returns [command, args] for child_process.spawn.
 */
export function boundToParent(path: string, args: string[]): [string, string[]] {
  if (!setpriv || !isAbsolute(path) || !executable(path)) return [path, args];
  return [setpriv, ['--pdeathsig', 'KILL', '--', path, ...args]];
}
