import { describe, expect, it } from 'vitest';
import { builtinCatalog, categoryOfCode, classify } from '../../../src/index.js';
import type { Catalog } from '../../../src/index.js';

describe('categoryOfCode', () => {
  it.each([
    [99, 'invalid'], [100, 'informational'], [199, 'informational'],
    [200, 'success'], [299, 'success'], [300, 'redirection'], [399, 'redirection'],
    [400, 'client_fault'], [499, 'client_fault'], [500, 'service_fault'], [599, 'service_fault'],
    [600, 'invalid'], [998, 'invalid'], [999, 'invalid'], [1000, 'invalid'], [0, 'invalid'], [-404, 'invalid'],
    [Number.NaN, 'invalid'], [404.5, 'invalid'],
  ])('%s -> %s', (code, category) => {
    expect(categoryOfCode(code)).toBe(category);
  });
});

describe('classify against the built-in catalog', () => {
  const catalog = builtinCatalog();
  it('documents the 14 codes of the seed document', () => {
    expect([...catalog.codes.keys()]).toEqual([200, 202, 400, 401, 403, 404, 405, 409, 413, 415, 422, 500, 501, 503]);
  });
  it.each([
    [200, 'success', true, 'Request succeeded.'],
    [202, 'success', true, 'Asynchronous request submitted successfully (creating an instance, creating a backup, ...).'],
    [413, 'client_fault', true, 'The request exceeds the resource quota.'],
    [503, 'service_fault', true, 'The request was not completed: the system is temporarily abnormal.'],
    [418, 'client_fault', false, ''],
    [502, 'service_fault', false, ''],
    [301, 'redirection', false, ''],
    [103, 'informational', false, ''],
    [999, 'invalid', false, ''],
  ])('%s -> %s documented=%s', (code, category, documented, description) => {
    expect(classify(code, { method: 'GET', route: '/x' }, catalog)).toEqual({ category, documented, description });
  });
  it('gives the document’s own Chinese text with lang zh, English otherwise', () => {
    expect(classify(503, undefined, catalog, 'zh').description).toBe('请求未完成。系统暂时异常。');
    expect(classify(503, undefined, catalog, 'fr').description).toBe('The request was not completed: the system is temporarily abnormal.');
  });
});

describe('classify with overrides and operation-scoped lists', () => {
  const catalog: Catalog = {
    name: 't', source: 't', ranges: [],
    codes: new Map([
      [200, { code: 200, description: { en: 'ok' } }],
      [429, { code: 429, category: 'service_fault', description: { en: 'shed load' } }],
      [404, { code: 404, description: { en: 'global not found' } }],
    ]),
    operations: new Map([
      ['GET /items/{id}', { method: 'GET', route: '/items/{id}', codes: new Map([[200, { en: 'the item' }]]), ranges: [{ from: 400, to: 499, description: { en: 'any client fault' } }] }],
    ]),
  };
  it('a catalog entry overrides the category of its code', () => {
    expect(classify(429, undefined, catalog).category).toBe('service_fault');
    expect(classify(429, { method: 'GET', route: '/items/{id}' }, catalog).category).toBe('service_fault');
  });
  it('the operation’s own list wins over the global list', () => {
    expect(classify(200, { method: 'GET', route: '/items/{id}' }, catalog)).toEqual({ category: 'success', documented: true, description: 'the item' });
    expect(classify(404, { method: 'GET', route: '/items/{id}' }, catalog)).toEqual({ category: 'client_fault', documented: true, description: 'any client fault' });
    // 500 is in neither the operation's list nor its ranges: undocumented for this operation
    expect(classify(500, { method: 'GET', route: '/items/{id}' }, catalog)).toEqual({ category: 'service_fault', documented: false, description: '' });
  });
  it('operations without a list of their own fall back to the global list', () => {
    expect(classify(404, { method: 'POST', route: '/items/{id}' }, catalog)).toEqual({ category: 'client_fault', documented: true, description: 'global not found' });
    expect(classify(401, { method: 'POST', route: '/items/{id}' }, catalog).documented).toBe(false);
  });
  it('method case does not matter for the operation key', () => {
    expect(classify(200, { method: 'get', route: '/items/{id}' }, catalog).description).toBe('the item');
  });
});
