import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scratchDir } from '../helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { CatalogError, createFaultline } from '../../src/index.js';

const root = resolve(import.meta.dirname, '../..');
const dir = scratchDir('faultline-broken-');
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const expanded = join(root, 'test/fixtures/openapi/petstore-expanded.v3.yaml');

/** Each broken catalog and the one problem its message must name. */
const BROKEN: readonly [what: string, path: string, message: string][] = [
  ['an unreadable file', join(dir, 'missing.yaml'), `catalog ${join(dir, 'missing.yaml')}: cannot read the file (ENOENT)`],
  ['invalid YAML', file('invalid.yaml', 'codes:\n  - code: 200\n    description: [unclosed\n'), `catalog ${join(dir, 'invalid.yaml')}: line 4, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]`],
  ['invalid JSON', file('invalid.json', '{ "codes": [ { "code": 200, "description": "OK" } '), `catalog ${join(dir, 'invalid.json')}: line 1, column 51: Expected ',' or ']' after array element (JSON)`],
  ['a code like abc', file('abc.yaml', 'codes:\n  - code: abc\n    description: x\n'), `catalog ${join(dir, 'abc.yaml')}: codes[0].code: Invalid input: expected number, received string`],
  [
    'a duplicate code with two descriptions',
    file('dup.json', JSON.stringify({ codes: [{ code: 503, description: 'Busy.' }, { code: 503, description: 'Down.' }] })),
    `catalog ${join(dir, 'dup.json')}: codes[1]: code 503 is listed twice (first at codes[0])`,
  ],
  [
    'the published petstore-expanded document',
    expanded,
    `catalog ${expanded}: line 35, column 7: Map keys must be unique (the key "operationId" appears twice in the same mapping); line 36, column 7: Map keys must be unique (the key "parameters" appears twice in the same mapping)`,
  ],
];

function startUp(flag: '--require' | '--import', catalog: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const register = join(root, flag === '--require' ? 'dist/cjs/register.js' : 'dist/esm/register.js');
  return new Promise((done, fail) => {
    // cwd outside the repository: the parser must be found from faultline's own location
    const child = spawn(process.execPath, [flag, register, '-e', 'process.stdout.write("the app started\\n")'], {
      cwd: dir,
      env: { ...process.env, FAULTLINE_CATALOG: catalog, FAULTLINE_PORT: '0', FAULTLINE_HOST: '127.0.0.1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

describe('a broken catalog stops start-up with one message naming the file and the problem', () => {
  it.each(BROKEN)('createFaultline({ catalog }) throws a CatalogError for %s', (_what, path, message) => {
    let thrown: unknown;
    try {
      createFaultline({ catalog: path });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(CatalogError);
    expect((thrown as Error).message).toBe(message);
    expect((thrown as CatalogError).file).toBe(path);
  });

  it('under node --require faultline/register: exit 1, one line, the app never starts', async () => {
    const results = await Promise.all(BROKEN.map(([, path]) => startUp('--require', path)));
    expect(results).toEqual(BROKEN.map(([, , message]) => ({ code: 1, stdout: '', stderr: `faultline: FAULTLINE_CATALOG: ${message}\n` })));
  });

  it('under node --import faultline/register as well', async () => {
    const picked = [BROKEN[3]!, BROKEN[5]!];
    const results = await Promise.all(picked.map(([, path]) => startUp('--import', path)));
    expect(results).toEqual(picked.map(([, , message]) => ({ code: 1, stdout: '', stderr: `faultline: FAULTLINE_CATALOG: ${message}\n` })));
  });

  it('a good OpenAPI catalog lets the app start (the parser child found from dist/cjs and dist/esm)', async () => {
    const good = join(root, 'test/fixtures/openapi/petstore.v2.yaml');
    const results = await Promise.all([startUp('--require', good), startUp('--import', good)]);
    expect(results).toEqual([
      { code: 0, stdout: 'the app started\n', stderr: '' },
      { code: 0, stdout: 'the app started\n', stderr: '' },
    ]);
  });
});
