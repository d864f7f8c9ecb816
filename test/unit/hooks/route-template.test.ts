import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { express4PathFromRegexp, joinTemplate, mountTemplate, pathToTemplate } from '../../../src/hooks/route-template.js';

type Compile = (path: string | RegExp | string[], keys: { name: string | number }[], options: { end: boolean; strict: boolean; sensitive: boolean }) => RegExp;
// The path-to-regexp 0.1 that Express 4 itself uses (nested under the express4 alias).
const compile = createRequire(createRequire(import.meta.url).resolve('express4'))('path-to-regexp') as Compile;

function roundTrip(path: string | string[], end: boolean): string | undefined {
  const keys: { name: string | number }[] = [];
  return express4PathFromRegexp(compile(path, keys, { end, strict: false, sensitive: false }), keys);
}

describe('express4PathFromRegexp', () => {
  it.each([
    ['/v3/:project_id', '/v3/:project_id'],
    ['/api', '/api'],
    ['/a/:b?', '/a/:b?'],
    ['/files/*', '/files/*'],
    ['/:id(\\d+)', '/:id(\\d+)'],
    ['/x/:file.:ext', '/x/:file.:ext'],
    ['/a/:rest*', '/a/:rest*'],
    ['/v1.0/users', '/v1.0/users'],
    ['/a-b/:c-:d', '/a-b/:c-:d'],
    ['/a/:b/c/:d?', '/a/:b/c/:d?'],
    ['/abc/', '/abc'],
    ['/', '/'],
    ['*', '*'],
  ])('rebuilds %s from its compiled expression (mount and route forms)', (path, expected) => {
    expect(roundTrip(path, false)).toBe(expected);
    expect(roundTrip(path, true)).toBe(expected);
  });

  it('rebuilds an array path as an alternation, keys shared in order', () => {
    expect(roundTrip(['/a/:x', '/b', '/c/:y'], false)).toBe('(/a/:x|/b|/c/:y)');
  });

  it('gives undefined for a RegExp the application wrote (the caller uses its literal)', () => {
    const keys: { name: string | number }[] = [];
    expect(express4PathFromRegexp(compile(/^\/legacy\/v\d+/, keys, { end: false, strict: false, sensitive: false }), keys)).toBeUndefined();
    expect(express4PathFromRegexp(/\/no-anchor/, [])).toBeUndefined();
    expect(express4PathFromRegexp(/^\/(a|b)/, [{ name: 0 }])).toBeUndefined();
  });
});

describe('pathToTemplate, mountTemplate, joinTemplate', () => {
  it('writes declared paths as stable strings', () => {
    expect(pathToTemplate('/items/:id')).toBe('/items/:id');
    expect(pathToTemplate(/^\/v\d+/i)).toBe('/^\\/v\\d+/i');
    expect(pathToTemplate(['/a', ['/b', /^\/c/]])).toBe('(/a|(/b|/^\\/c/))');
    expect(pathToTemplate(['/only'])).toBe('/only');
    expect(pathToTemplate(42)).toBeUndefined();
  });

  it('drops trailing slashes of mount paths; the root is empty', () => {
    expect(mountTemplate('/v3/:project_id/')).toBe('/v3/:project_id');
    expect(mountTemplate('/')).toBe('');
    expect(mountTemplate(/^\/x\//)).toBe('/^\\/x\\//');
  });

  it('joins without doubled or trailing slashes', () => {
    expect(joinTemplate('/v3/:project_id', '/instances/:instance_id')).toBe('/v3/:project_id/instances/:instance_id');
    expect(joinTemplate('/v3', '/')).toBe('/v3');
    expect(joinTemplate('', '/')).toBe('/');
    expect(joinTemplate('', '')).toBe('/');
    expect(joinTemplate('/a/', '/b')).toBe('/a/b');
    expect(joinTemplate('/a', 'b')).toBe('/a/b');
  });
});
