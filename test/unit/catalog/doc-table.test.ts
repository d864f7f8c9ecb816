import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinCatalog, CatalogError } from '../../../src/index.js';
import { catalogFromDocTable, importDocTableFile } from '../../../src/catalog/doc-table.js';

const seed = resolve(import.meta.dirname, '../../fixtures/doc-table/seed-000_bf00fb12018831ed.txt');
function errorOf(text: string): string {
  try {
    catalogFromDocTable(text, 'doc.md');
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogError);
    return (err as Error).message;
  }
  throw new Error('expected a CatalogError');
}

describe('documentation-table import', () => {
  it('imports the seed document to exactly the built-in codes, groups and Chinese texts', () => {
    const catalog = importDocTableFile(seed);
    const builtin = builtinCatalog();
    expect(catalog.name).toBe('通用请求Http State Code');
    expect([...catalog.codes.keys()]).toEqual([...builtin.codes.keys()]);
    expect([...catalog.codes.values()]).toEqual(
      [...builtin.codes.values()].map((e) => ({ code: e.code, group: e.group, description: { zh: e.description['zh'] } })),
    );
    expect(catalog.operations.size).toBe(0);
  });

  it('takes the language from --lang when given', () => {
    const catalog = importDocTableFile(seed, { lang: 'zh-CN' });
    expect(catalog.codes.get(503)?.description).toEqual({ 'zh-CN': '请求未完成。系统暂时异常。' });
  });

  it('reads Markdown tables: the code column by content, the description column by header, headings as groups', () => {
    const catalog = catalogFromDocTable(`# Errors

## Success

| Area | Status | Description |
|---|---|---|
| ignored | **200** OK | The request *worked*. |

## Failure

| Status | Description |
|---|---|
| 404 Not Found | No such \`pet\`. |
| 429 Too Many Requests | Slow down &amp; retry. |
`, 'errors.md');
    expect(catalog.name).toBe('Errors');
    expect([...catalog.codes.values()]).toEqual([
      { code: 200, group: 'Success', description: { en: 'The request worked.' } },
      { code: 404, group: 'Failure', description: { en: 'No such pet.' } },
      { code: 429, group: 'Failure', description: { en: 'Slow down & retry.' } },
    ]);
  });

  it('reads an HTML document, its list items as groups, in any language', () => {
    const catalog = catalogFromDocTable(`<html><head><title>Códigos</title></head><body>
<ul><li>正常<table><tr><th>Código</th><th>Descripción</th></tr><tr><td>201 Created</td><td>Creado.</td></tr></table></li>
<li>异常<table><thead><tr><th>Código</th><th>Descripción</th></tr></thead><tbody><tr><td>409</td><td>Conflicto &lt;estado&gt;.</td></tr></tbody></table></li></ul>
</body></html>`, 'codes.html');
    expect(catalog.name).toBe('Códigos');
    expect([...catalog.codes.values()]).toEqual([
      { code: 201, group: 'normal', description: { en: 'Creado.' } },
      { code: 409, group: 'abnormal', description: { en: 'Conflicto <estado>.' } },
    ]);
  });

  it('a single table under a heading gets no group; tables without a code column are skipped', () => {
    const catalog = catalogFromDocTable('## Codes\n\n| Name | Value |\n|---|---|\n| a | b |\n\n| Code | Text |\n|---|---|\n| 500 | 服务异常。 |\n', 'one.md');
    expect([...catalog.codes.values()]).toEqual([{ code: 500, description: { zh: '服务异常。' } }]);
  });

  it('names the table, the row and the problem', () => {
    expect(errorOf('| Code | Text |\n|---|---|\n| 200 | ok |\n| abc | what |\n| 201 | made |\n')).toBe('catalog doc.md: table 1, row 2: "abc" is not a status code');
    expect(errorOf('| Code | Text |\n|---|---|\n| 404 | gone |\n| 404 | missing |\n| 404 | gone |\n')).toBe(
      'catalog doc.md: table 1, row 2: code 404 is listed twice with different descriptions (first at table 1, row 1)',
    );
    expect(errorOf('# Nothing here\n\nJust text.\n')).toBe('catalog doc.md: no table with a status-code column (cells such as "400 Bad Request") found');
    expect(() => importDocTableFile('/nonexistent/doc.md')).toThrow('catalog /nonexistent/doc.md: cannot read the file (ENOENT)');
  });
});
