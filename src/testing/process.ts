import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedDataDir } from '../store/index.ts';

export const OMNIS_BIN = fileURLToPath(new URL('../../bin/omnis.mjs', import.meta.url));

export interface ServerProcess {
  child: ChildProcess; url: string; output: () => string;
  /** Resolves when the process has exited (listened for from the start, so an early exit is not missed). */
  exited: Promise<void>;
}

/** Starts `omnis serve --port 0` as a real process and waits for it to print its URL. */
export function startServerProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [OMNIS_BIN, 'serve', '--port', '0', '--no-demo'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>(r => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not start:\n${out}`)); }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, url: m[1], output: () => out, exited }); }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', code => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${out}`)); });
  });
}

/** Runs the omnis CLI to completion. */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [OMNIS_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', d => { stdout += d; });
  child.stderr.on('data', d => { stderr += d; });
  return new Promise(resolve => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', code => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

/**
 * A new temporary data folder holding a migrated, empty installation, seeded from the dump the
 * suite's scratch databases share: a server started on it skips initdb (about 2 s). Tests of a
 * first start itself (banner, migrations printed) use a bare folder instead.
 */
export async function newDataDir(prefix: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  await seedDataDir(dir, { cacheDir: tmpdir() });
  return dir;
}
