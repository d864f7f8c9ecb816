// V8 keeps no hidden class made by Express's per-request prototype swap, so a field still
// "const" when a store changes it after the swap is generalised again on every request. The
// runtime makes faultline's slots mutable before any framework runs; this checks, with V8's own
// --trace-generalization, that faultline's code causes no generalisation once warm.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const fixture = join(import.meta.dirname, '../fixtures/reliability/express-generalization.mjs');
const register = join(import.meta.dirname, '../../dist/esm/register.js');

/**
 * Runs the fixture under --trace-generalization; the generalisations between its markers.
 * Its output goes to a file, not a pipe: V8 prints through C stdio and Node writes the markers
 * itself, and on a full pipe Node queues its write while V8's goes on, so a marker could land
 * after lines printed later. Into a file Node writes synchronously: a line printed after a
 * marker always comes after it.
 */
async function warmGeneralisations(nodeArgs: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ lines: string[]; stdout: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-trace-'));
  const file = join(dir, 'trace.txt');
  const fd = openSync(file, 'w');
  try {
    // --no-sparkplug: V8 in Node 20 aborts when it prints a generalisation in baseline code.
    const child = spawn(process.execPath, ['--no-sparkplug', '--trace-generalization', ...nodeArgs, fixture], { env, stdio: ['ignore', fd, 'inherit'], timeout: 60_000 });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', resolve);
    });
    expect(code).toBe(0);
  } finally {
    closeSync(fd);
  }
  const stdout = readFileSync(file, 'utf8');
  rmSync(dir, { recursive: true, force: true });
  const window = stdout.slice(stdout.indexOf('---window---'), stdout.indexOf('---end---'));
  return { lines: window.split('\n').filter((l) => l.startsWith('[generalizing]')), stdout };
}

/** The fixture loads the built package: faultline's code is what runs from dist/. */
const inFaultline = (l: string): boolean => /\/dist\/(esm|cjs)\//.test(l);

describe('hidden classes under Express', () => {
  it('faultline\'s code generalises no field on a warm Express 5 app (V8 --trace-generalization)', async () => {
    const { lines, stdout } = await warmGeneralisations([]);
    // The trace works: Express's own stores after its prototype swap show up on every request.
    expect(lines.length).toBeGreaterThan(500);
    expect(lines.filter(inFaultline)).toEqual([]);
    expect(stdout).toContain('---counted 800---');
  }, 90_000);

  it('nor with faultline/register loaded too, where the middleware\'s instance links its record after register\'s', async () => {
    const { lines, stdout } = await warmGeneralisations(['--import', register], { ...process.env, FAULTLINE_PORT: '0', FAULTLINE_HOST: '127.0.0.1' });
    expect(lines.length).toBeGreaterThan(500);
    expect(lines.filter(inFaultline)).toEqual([]);
    expect(stdout).toContain('---counted 800---');
  }, 90_000);
});
