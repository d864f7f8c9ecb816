import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UpstreamsError, loadUpstreamsFile } from '../../../src/upstream/file.js';
import { parseBase } from '../../../src/upstream/upstream.js';

const dir = mkdtempSync(join(tmpdir(), 'faultline-upstreams-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const OPENAPI = new URL('../../fixtures/upstream/rds-openapi.yaml', import.meta.url).pathname;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problem(path: string): string {
  try {
    loadUpstreamsFile(path);
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamsError);
    return (err as Error).message;
  }
  throw new Error('expected an UpstreamsError');
}

describe('parseBase', () => {
  it('normalises a base URL into origin, authority (the upstream label) and path prefix', () => {
    expect(parseBase('https://rds.example.com:443/v3/')).toEqual({
      href: 'https://rds.example.com/v3', protocol: 'https:', origin: 'https://rds.example.com', authority: 'rds.example.com', prefix: '/v3',
    });
    expect(parseBase('http://Billing.Internal:8080')).toEqual({
      href: 'http://billing.internal:8080', protocol: 'http:', origin: 'http://billing.internal:8080', authority: 'billing.internal:8080', prefix: '',
    });
    expect(parseBase('http://[::1]:9000/api')).toMatchObject({ authority: '[::1]:9000', prefix: '/api' });
  });

  it('names what is wrong with a base', () => {
    expect(parseBase('rds.example.com')).toBe('"rds.example.com" is not a URL (expected e.g. "https://api.example.com/v3")');
    expect(parseBase('ftp://x')).toBe('"ftp://x" is not an http or https URL');
    expect(parseBase('https://u:p@x')).toBe('"https://u:p@x" must not carry credentials');
    expect(parseBase('https://x/v3?key=1')).toBe('"https://x/v3?key=1" must not have a query or fragment');
    expect(parseBase(42)).toBe('42 is not a URL');
  });
});

describe('loadUpstreamsFile', () => {
  it('reads a YAML list, resolving catalogs relative to the file and loading a shared catalog once', () => {
    writeFileSync(join(dir, 'rds.yaml'), `openapi: 3.0.3\ninfo: { title: t, version: '1' }\nservers: [{ url: /v3 }]\npaths:\n  /{id}:\n    get:\n      responses: { '200': { description: ok } }\n`);
    const loaded = loadUpstreamsFile(file('u.yaml', '- base: https://rds.example.com/v3\n  catalog: ./rds.yaml\n- { base: "http://b:8080/", catalog: rds.yaml }\n- base: http://c\n'));
    expect(loaded.map((u) => [u.base.href, u.catalog.source])).toEqual([
      ['https://rds.example.com/v3', join(dir, 'rds.yaml')],
      ['http://b:8080', join(dir, 'rds.yaml')],
      ['http://c', 'builtin'],
    ]);
    expect(loaded[0]!.catalog).toBe(loaded[1]!.catalog);
    expect(loaded[0]!.catalog.routes?.match('/v3/abc')).toBe('/v3/{id}');
  });

  it('reads JSON too, with absolute catalog paths', () => {
    const loaded = loadUpstreamsFile(file('u.json', JSON.stringify([{ base: 'http://a/v3', catalog: OPENAPI }])));
    expect(loaded.map((u) => u.base.authority)).toEqual(['a']);
  });

  it('names the file, each bad entry and its problem', () => {
    const path = file('bad.yaml', [
      '- base: https://rds.example.com/v3',
      '- base: ftp://files.example.com',
      "- { base: 'https://rds.example.com/v3/' }",
      '- { base: http://x, catalog: ./missing.yaml }',
    ].join('\n'));
    expect(problem(path)).toBe(
      `upstreams ${path}: [1].base: "ftp://files.example.com" is not an http or https URL; ` +
        '[2].base: "https://rds.example.com/v3/" is listed twice (first at [0]); ' +
        '[3].catalog: catalog ./missing.yaml: cannot read the file (ENOENT)',
    );
  });

  it('names schema problems by entry and key', () => {
    const path = file('schema.yaml', '- base: http://a\n- { url: http://b }\n- { base: http://c, extra: 1 }\n');
    expect(problem(path)).toBe(
      `upstreams ${path}: [1].base: Invalid input: expected string, received undefined; [1]: Unrecognized key: "url"; [2]: Unrecognized key: "extra"`,
    );
    const top = file('top.yaml', 'base: http://a\n');
    expect(problem(top)).toBe(`upstreams ${top}: (top level): expected a list of { base, catalog? } entries`);
  });

  it('names a missing file and a YAML syntax error', () => {
    expect(problem(join(dir, 'nope.yaml'))).toBe(`upstreams ${join(dir, 'nope.yaml')}: cannot read the file (ENOENT)`);
    const broken = file('broken.yaml', '- base: [http://a\n');
    expect(problem(broken)).toMatch(new RegExp(`^upstreams ${broken}: line \\d+, column \\d+: `));
  });
});
