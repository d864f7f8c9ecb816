import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');
/** The built register entry points (run `npm run build` first). */
export const ESM_REGISTER = join(root, 'dist/esm/register.js');
export const CJS_REGISTER = join(root, 'dist/cjs/register.js');
const FIXTURES = join(root, 'test/fixtures/core');

/** A fixture app in a subprocess; resolves once it printed its port. */
export async function startApp(flag: '--import' | '--require', env: Record<string, string>): Promise<{ child: ChildProcess; port: number; stderr: () => string }> {
  const [register, app] = flag === '--import' ? [ESM_REGISTER, 'app.mjs'] : [CJS_REGISTER, 'app.cjs'];
  const child = spawn(process.execPath, [flag, register, join(FIXTURES, app)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`app exited with ${code}: ${stderr}`)));
  });
  return { child, port, stderr: () => stderr };
}

