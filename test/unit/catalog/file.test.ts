import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '../../helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { CatalogError, classify, loadCatalog } from '../../../src/index.js';

const dir = scratchDir('faultline-catalog-');
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
function errorOf(path: string): string {
  try {
    loadCatalog(path);
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogError);
    return (err as Error).message;
  }
  throw new Error('expected a CatalogError');
}

describe('catalog files', () => {
  it('loads YAML with texts per language, overrides, groups and operations', () => {
    const path = file('ok.yaml', `name: cloud-db
codes:
  - code: 200
    group: normal
    description: { en: Request succeeded., zh: 请求成功。 }
  - code: 429
    category: service_fault
    description: Too many requests.
operations:
  - method: get
    route: /v3/{project_id}/instances
    codes: [200, "4XX", { code: 503, description: Maintenance. }]
`);
    const catalog = loadCatalog(path);
    expect(catalog.name).toBe('cloud-db');
    expect(catalog.codes.get(200)).toEqual({ code: 200, group: 'normal', description: { en: 'Request succeeded.', zh: '请求成功。' } });
    expect(catalog.codes.get(429)).toEqual({ code: 429, category: 'service_fault', description: { en: 'Too many requests.' } });
    const op = { method: 'GET', route: '/v3/{project_id}/instances' };
    expect(classify(503, op, catalog)).toEqual({ category: 'service_fault', documented: true, description: 'Maintenance.' });
    expect(classify(404, op, catalog).documented).toBe(true);
    expect(classify(429, op, catalog)).toEqual({ category: 'service_fault', documented: true, description: 'Too many requests.' });
    expect(classify(500, op, catalog).documented).toBe(false);
  });

  it('loads JSON', () => {
    const path = file('ok.json', JSON.stringify({ codes: [{ code: 201, description: 'Created.' }] }));
    expect([...loadCatalog(path).codes.keys()]).toEqual([201]);
  });

  it('names the file, the entry and the problem', () => {
    expect(errorOf(file('abc.yaml', 'codes:\n  - code: abc\n    description: x\n'))).toBe(
      `catalog ${join(dir, 'abc.yaml')}: codes[0].code: Invalid input: expected number, received string`,
    );
    expect(errorOf(file('big.yaml', 'codes:\n  - code: 200\n    description: a\n  - code: 1000\n    description: x\n'))).toBe(
      `catalog ${join(dir, 'big.yaml')}: codes[1].code: Too big: expected number to be <=999`,
    );
    expect(errorOf(file('dup.yaml', 'codes:\n  - code: 404\n    description: a\n  - code: 200\n    description: b\n  - code: 404\n    description: c\n'))).toBe(
      `catalog ${join(dir, 'dup.yaml')}: codes[2]: code 404 is listed twice (first at codes[0])`,
    );
    expect(errorOf(file('cat.yaml', 'codes:\n  - code: 429\n    category: fatal\n    description: x\n'))).toMatch(
      /^catalog .*cat\.yaml: codes\[0\]\.category: Invalid option: expected one of "informational"\|"success"\|"redirection"\|"client_fault"\|"service_fault"\|"invalid"$/,
    );
    expect(errorOf(file('extra.yaml', 'codes: []\nflavour: x\n'))).toBe(`catalog ${join(dir, 'extra.yaml')}: (top level): Unrecognized key: "flavour"`);
  });

  it('reports YAML syntax errors with line and column, and unreadable files', () => {
    expect(errorOf(file('bad.yaml', 'codes:\n  - code: 200\n    description: [unclosed\n'))).toMatch(/^catalog .*bad\.yaml: line \d+, column \d+: /);
    expect(errorOf(file('dupkey.yaml', 'codes: []\ncodes: []\n'))).toMatch(/^catalog .*dupkey\.yaml: line 2, column 1: Map keys must be unique/);
    expect(errorOf(join(dir, 'missing.yaml'))).toBe(`catalog ${join(dir, 'missing.yaml')}: cannot read the file (ENOENT)`);
  });
});
