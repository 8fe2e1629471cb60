import { mkdirSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { OmnisError } from '../shared/index.ts';

/**
 * Guards a PGlite data folder. A kill -9 leaves PGlite's postmaster.pid behind, and the next
 * open then hangs forever without an error, so Omnis keeps its own lock holding the real
 * process id: a dead owner means the stale postmaster.pid can go; a live one means another
 * Omnis uses the folder and we refuse to start.
 */
export function acquireDataDirLock(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, 'omnis.lock');
  if (existsSync(lockPath)) {
    const pid = Number(readFileSync(lockPath, 'utf8').trim());
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new OmnisError('conflict', `another Omnis process (pid ${pid}) is using the data folder ${dir}; stop it or set OMNIS_DATA_DIR to another folder`);
    }
  }
  // The owner is gone (or it was us): whatever PGlite left behind is stale.
  rmSync(join(dir, 'postmaster.pid'), { force: true });
  writeFileSync(lockPath, String(process.pid));
  let released = false;
  return () => {
    if (released) return;
    released = true;
    try {
      if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) rmSync(lockPath, { force: true });
    } catch { /* already gone */ }
  };
}

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}
