import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs `node <nodeArgs...>` (a script under V8's trace flags) and returns what it printed on
 * stdout, after checking that it exited with 0. The output goes to a file, not a pipe: V8
 * prints its traces through C stdio and Node writes a script's markers itself, and on a full
 * pipe Node queues its write while V8's goes on, so a marker could land after lines printed
 * later. Into a file Node writes synchronously: a line printed after a marker comes after it.
 */
export async function runTraced(nodeArgs: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-trace-'));
  try {
    const file = join(dir, 'trace.txt');
    const fd = openSync(file, 'w');
    let code: number | null;
    try {
      const child = spawn(process.execPath, nodeArgs, { env, stdio: ['ignore', fd, 'inherit'], timeout: 60_000 });
      code = await new Promise<number | null>((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', resolve);
      });
    } finally {
      closeSync(fd);
    }
    const stdout = readFileSync(file, 'utf8');
    if (code !== 0) throw new Error(`node ${nodeArgs.join(' ')} exited with ${code}: ${stdout.slice(-500)}`);
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
