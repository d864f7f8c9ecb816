import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scratchDir } from '../../helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { builtinCatalog, loadCatalog } from '../../../src/index.js';
import { catalogToFile, catalogToYaml, distinctOperations } from '../../../src/catalog/write.js';
import type { OperationCodes, Texts } from '../../../src/index.js';

const dir = scratchDir('faultline-write-');

describe('catalog files written from catalogs', () => {
  it('writes the built-in catalog so that it loads back to the same codes', () => {
    const path = join(dir, 'builtin.yaml');
    writeFileSync(path, catalogToYaml(builtinCatalog()));
    const back = loadCatalog(path);
    expect(back.name).toBe('builtin');
    expect([...back.codes.values()]).toEqual([...builtinCatalog().codes.values()]);
    expect(back.routes).toBeUndefined();
  });

  it('writes an OpenAPI catalog with its operations and ranges; it loads back with the same routes', () => {
    const source = loadCatalog(resolve(import.meta.dirname, '../../fixtures/openapi/petstore.v2.yaml'));
    const path = join(dir, 'pets.yaml');
    writeFileSync(path, catalogToYaml(source));
    const back = loadCatalog(path);
    expect([...back.codes.values()]).toEqual([...source.codes.values()]);
    expect(distinctOperations(back)).toEqual(distinctOperations(source));
    expect([...back.operations.keys()]).toEqual([...source.operations.keys()]);
    expect(back.routes?.match('/v1/pets/7')).toBe('/v1/pets/{petId}');
  });

  it('uses the file format shorthands: a string for English-only texts, bare codes and ranges without text', () => {
    const file = catalogToFile({
      name: 'mixed',
      source: 'test',
      codes: new Map([[429, { code: 429, category: 'service_fault', description: { en: 'Slow down.' } }]]),
      ranges: [],
      operations: new Map<string, OperationCodes>([[
        'GET /items/{id}',
        { method: 'GET', route: '/items/{id}', codes: new Map<number, Texts>([[200, {}], [404, { zh: '没有。' }]]), ranges: [{ from: 400, to: 499, description: {} }, { from: 500, to: 599, description: { en: 'Ours.' } }] },
      ]]),
    });
    expect(file).toEqual({
      name: 'mixed',
      codes: [{ code: 429, category: 'service_fault', description: 'Slow down.' }],
      operations: [{ method: 'GET', route: '/items/{id}', codes: [200, { code: 404, description: { zh: '没有。' } }, '4XX', { code: '5XX', description: 'Ours.' }] }],
    });
  });
});
