import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scratchDir } from '../helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { builtinCatalog, loadCatalog } from '../../src/index.js';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/faultline.cjs');
const seed = 'test/fixtures/doc-table/seed-000_bf00fb12018831ed.txt';
const petstore = 'test/fixtures/openapi/petstore.v2.yaml';
const expanded = 'test/fixtures/openapi/petstore-expanded.v3.yaml';
const dir = scratchDir('faultline-catalog-cli-');

/** Runs the built CLI in a subprocess (from the repository root). */
function faultline(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
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

describe('faultline catalog (the built CLI)', () => {
  it('import: the seed page becomes a catalog file equal to the built-in codes, groups and Chinese texts', async () => {
    const out = join(dir, 'seed.yaml');
    expect(await faultline('catalog', 'import', seed, '--out', out)).toEqual({ code: 0, stdout: `wrote ${out}: 14 codes, 0 operations\n`, stderr: '' });
    const text = readFileSync(out, 'utf8');
    expect(text.split('\n').slice(0, 7).join('\n')).toBe(`# faultline catalog, imported from ${seed}
name: 通用请求Http State Code
codes:
  - code: 200
    group: normal
    description:
      zh: 请求成功。`);
    const imported = loadCatalog(out);
    expect([...imported.codes.values()]).toEqual([...builtinCatalog().codes.values()].map((e) => ({ code: e.code, group: e.group, description: { zh: e.description['zh'] } })));
  });

  it('import: an OpenAPI document to stdout, with its operations, in the language given', async () => {
    const result = await faultline('catalog', 'import', petstore, '--lang', 'en-GB');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`# faultline catalog, imported from ${petstore}
name: Swagger Petstore
codes:
  - code: 200
    description:
      en-GB: An paged array of pets
  - code: 201
    description:
      en-GB: Null response
operations:
  - method: GET
    route: /v1/pets
    codes:
      - code: 200
        description:
          en-GB: An paged array of pets
  - method: POST
    route: /v1/pets
    codes:
      - code: 201
        description:
          en-GB: Null response
  - method: GET
    route: /v1/pets/{petId}
    codes:
      - code: 200
        description:
          en-GB: Expected response to a valid request
`);
  });

  it('import: errors name the file and the problem, exit 1', async () => {
    expect(await faultline('catalog', 'import', expanded)).toEqual({
      code: 1,
      stdout: '',
      stderr: `faultline: catalog ${expanded}: line 35, column 7: Map keys must be unique (the key "operationId" appears twice in the same mapping); line 36, column 7: Map keys must be unique (the key "parameters" appears twice in the same mapping)\n`,
    });
    expect(await faultline('catalog', 'import', 'no-such-doc.md')).toEqual({ code: 1, stdout: '', stderr: 'faultline: catalog no-such-doc.md: cannot read the file (ENOENT)\n' });
  });

  it('show: the built-in catalog as a table, in the language asked', async () => {
    const result = await faultline('catalog', 'show', '--lang', 'zh');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines.length).toBe(17);
    expect(lines.slice(0, 4)).toEqual([
      'catalog builtin (builtin): 14 codes, 0 operations',
      'code  category       group     description',
      '200   success        normal    请求成功。',
      '202   success        normal    异步请求成功提交（创建实例，创建备份等）。',
    ]);
    expect(lines[15]).toBe('503   service_fault  abnormal  请求未完成。系统暂时异常。');
  });

  it('show: an OpenAPI document with its operations', async () => {
    expect(await faultline('catalog', 'show', petstore)).toEqual({
      code: 0,
      stderr: '',
      stdout: `catalog Swagger Petstore (${petstore}): 2 codes, 3 operations
code  category  group  description
200   success   -      An paged array of pets
201   success   -      Null response

operations (their own lists win over the global list):
  GET /v1/pets: 200
  POST /v1/pets: 201
  GET /v1/pets/{petId}: 200
`,
    });
  });

  it('check: a one-line summary and exit 0, or one line per problem and exit 1', async () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'name: mine\ncodes:\n  - code: 200\n    description: OK\noperations:\n  - method: GET\n    route: /items/{id}\n    codes: [200, "4XX"]\n');
    expect(await faultline('catalog', 'check', good)).toEqual({ code: 0, stdout: `${good}: ok (mine), 1 code, 1 operation, 1 route\n`, stderr: '' });
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'codes:\n  - code: abc\n    description: x\n  - code: 404\n    description: a\n  - code: 404\n    description: b\n');
    expect(await faultline('catalog', 'check', bad)).toEqual({
      code: 1,
      stdout: '',
      stderr: `faultline: catalog ${bad}: codes[0].code: Invalid input: expected number, received string\nfaultline: catalog ${bad}: 1 problem\n`,
    });
    const dup = join(dir, 'dup.yaml');
    writeFileSync(dup, 'codes:\n  - code: 404\n    description: a\n  - code: 404\n    description: b\n');
    expect(await faultline('catalog', 'check', dup)).toEqual({
      code: 1,
      stdout: '',
      stderr: `faultline: catalog ${dup}: codes[1]: code 404 is listed twice (first at codes[0])\nfaultline: catalog ${dup}: 1 problem\n`,
    });
    expect(await faultline('catalog', 'check', expanded)).toEqual({
      code: 1,
      stdout: '',
      stderr: `faultline: catalog ${expanded}: line 35, column 7: Map keys must be unique (the key "operationId" appears twice in the same mapping)\n` +
        `faultline: catalog ${expanded}: line 36, column 7: Map keys must be unique (the key "parameters" appears twice in the same mapping)\n` +
        `faultline: catalog ${expanded}: 2 problems\n`,
    });
  });

  it('usage errors exit 2', async () => {
    const result = await faultline('catalog', 'check');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("faultline: missing required argument 'file' (see --help)\n");
  });
});
