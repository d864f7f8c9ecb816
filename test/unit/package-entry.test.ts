// The package's `import` entry points are ES module wrappers of the CommonJS build
// (scripts/build.mjs): one copy of faultline per process, and one ES module of faultline's
// loaded instead of its whole tree (each ES module loaded cost Node's http code per response;
// README "Performance"). Checked in plain Node processes: vitest loads modules its own way.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as source from '../../src/index.js';

const root = join(import.meta.dirname, '../..');

/** Runs an ES module program in a fresh Node process from the project root; its stdout and stderr. */
function node(program: string): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', program], { cwd: root, encoding: 'utf8', timeout: 30_000, env: { ...process.env, FAULTLINE_EXPORTER: 'otel' } });
  return { stdout: r.stdout, stderr: r.stderr };
}

/** The ES modules Node loads for `import spec` in a fresh process (node: builtins left out). */
function esModulesLoaded(spec: string): string[] {
  const hook = `export async function load(url, context, next) { if (!url.startsWith('node:')) process._rawDebug('LOADED ' + url); return next(url, context); }`;
  const { stderr } = node(`import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)})); await import(${JSON.stringify(spec)});`);
  return stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice('LOADED file://'.length).replace(`${root}/`, ''));
}

describe('the ES module entry points', () => {
  it("export exactly the names of src/index.ts, each the CommonJS build's own object", () => {
    const { stdout, stderr } = node(`
      import { createRequire } from 'node:module';
      const esm = await import('faultline');
      const cjs = createRequire(import.meta.url)('faultline');
      const names = Object.keys(esm).sort();
      console.log(JSON.stringify({ names, cjsNames: Object.keys(cjs).sort(), differing: names.filter((n) => esm[n] !== cjs[n]) }));`);
    expect(stderr).toBe('');
    const names = Object.keys(source).sort();
    expect(JSON.parse(stdout)).toEqual({ names, cjsNames: names, differing: [] });
  });

  it('load one ES module each; the rest is the CommonJS build', () => {
    expect(esModulesLoaded('faultline')).toEqual(['dist/esm/index.js', 'dist/cjs/index.js']);
    expect(esModulesLoaded('faultline/register')).toEqual(['dist/esm/register.js', 'dist/cjs/register.js']);
  });
});
