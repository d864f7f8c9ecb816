import { describe, expect, it } from 'vitest';
import { SegmentTrie, compileRoutes } from '../../../src/catalog/route-matcher.js';
import { largeOpenApi, samplePath } from '../../helpers/openapi-large.js';

describe('route matcher', () => {
  const routes = compileRoutes([
    '/v1/pets',
    '/v1/pets/{petId}',
    '/v1/pets/mine',
    '/v1/pets/{petId}/toys/{toyId}',
    '/v1/pets/mine/toys/favourite',
    '/v1/files/{name}.{ext}',
    '/v1/files/{name}.json',
    '/items/:id',
    '/',
  ]);

  it('matches templates with parameters and counts them', () => {
    expect(routes.size).toBe(9);
    expect(routes.match('/v1/pets')).toBe('/v1/pets');
    expect(routes.match('/v1/pets/42')).toBe('/v1/pets/{petId}');
    expect(routes.match('/v1/pets/42/toys/7')).toBe('/v1/pets/{petId}/toys/{toyId}');
    expect(routes.match('/items/abc')).toBe('/items/:id');
    expect(routes.match('/')).toBe('/');
  });

  it('prefers literal segments over parameters and backtracks when a literal branch dead-ends', () => {
    expect(routes.match('/v1/pets/mine')).toBe('/v1/pets/mine');
    expect(routes.match('/v1/pets/mine/toys/favourite')).toBe('/v1/pets/mine/toys/favourite');
    expect(routes.match('/v1/pets/mine/toys/3')).toBe('/v1/pets/{petId}/toys/{toyId}');
    expect(routes.match('/v1/files/report.json')).toBe('/v1/files/{name}.json');
    expect(routes.match('/v1/files/report.csv')).toBe('/v1/files/{name}.{ext}');
  });

  it('needs the prefix and does not match partial or longer paths', () => {
    expect(routes.match('/pets/42')).toBeUndefined();
    expect(routes.match('/v2/pets/42')).toBeUndefined();
    expect(routes.match('/v1')).toBeUndefined();
    expect(routes.match('/v1/pets/42/toys')).toBeUndefined();
    expect(routes.match('/v1/pets/42/toys/7/extra')).toBeUndefined();
    expect(routes.match('/V1/pets')).toBeUndefined();
    expect(routes.match('v1/pets')).toBeUndefined();
    expect(routes.match('')).toBeUndefined();
  });

  it('ignores one trailing slash; an empty segment is no parameter value', () => {
    expect(routes.match('/v1/pets/')).toBe('/v1/pets');
    expect(routes.match('/v1/pets/42/')).toBe('/v1/pets/{petId}');
    expect(routes.match('/v1/pets//')).toBeUndefined();
    expect(routes.match('/v1/pets//toys/1')).toBeUndefined();
    expect(compileRoutes(['/a/b/']).match('/a/b')).toBe('/a/b/');
  });

  it('compares percent-decoded segments; an encoded slash stays inside its segment', () => {
    expect(routes.match('/v1/%70ets/42')).toBe('/v1/pets/{petId}');
    expect(routes.match('/v1/pets/m%69ne')).toBe('/v1/pets/mine');
    expect(routes.match('/v1/pets/a%2Fb')).toBe('/v1/pets/{petId}');
    expect(routes.match('/v1/pets/%E0%A4%A')).toBe('/v1/pets/{petId}');
    expect(compileRoutes(['/caf%C3%A9']).match('/café')).toBe('/caf%C3%A9');
  });

  it('keeps the first of two equivalent templates and rejects a template without a leading slash', () => {
    const twice = compileRoutes(['/pets/{id}', '/pets/{petId}']);
    expect(twice.size).toBe(1);
    expect(twice.match('/pets/1')).toBe('/pets/{id}');
    expect(() => compileRoutes(['pets'])).toThrow('route template "pets" does not start with "/"');
  });

  it('matches every template of a generated 1,000+ path document and nothing else', () => {
    const { templates } = largeOpenApi();
    expect(templates.length).toBe(1085);
    const matcher = compileRoutes(templates);
    expect(matcher.size).toBe(1085);
    const wrong = templates.filter((t, i) => matcher.match(samplePath(t, i)) !== t);
    expect(wrong).toEqual([]);
    expect(matcher.match('/api/v3/r120/latest')).toBe('/api/v3/r120/latest');
    expect(matcher.match('/api/v3/r121/latest')).toBe('/api/v3/r121/{id}');
    expect(matcher.match('/api/v3/r350')).toBeUndefined();
    expect(matcher.match('/api/v3/r1/2/parts')).toBeUndefined();
    expect(matcher.match('/r1/2')).toBeUndefined();
  });
  it('reads a request target up to its query in place (matchUntil, the path of faultline/register)', () => {
    expect(routes).toBeInstanceOf(SegmentTrie);
    const trie = routes as SegmentTrie;
    const until = (url: string): string | undefined => trie.matchUntil(url, url.includes('?') ? url.indexOf('?') : url.length);
    expect(until('/v1/pets/42?next=/v1/pets/mine')).toBe('/v1/pets/{petId}');
    expect(until('/v1/pets/?limit=5')).toBe('/v1/pets');
    expect(until('/?q')).toBe('/');
    expect(until('/v1/pets/m%69ne?x=%41')).toBe('/v1/pets/mine');
    expect(until('/v1/pets/mine?%')).toBe('/v1/pets/mine');
    expect(until('/v1/pets/42/toys?toyId=7')).toBeUndefined();
    expect(until('?/v1/pets')).toBeUndefined();
  });

  it('compares up to eight literal children in place and looks up more in a map, escaped or not', () => {
    const many = compileRoutes([...Array.from({ length: 12 }, (_, i) => `/n/k${i}`), '/n/{id}', '/few/a', '/few/b']);
    expect(many.match('/n/k0')).toBe('/n/k0');
    expect(many.match('/n/k11')).toBe('/n/k11');
    expect(many.match('/n/k%31%31')).toBe('/n/k11');
    expect(many.match('/n/k12')).toBe('/n/{id}');
    expect(many.match('/few/b')).toBe('/few/b');
    expect(many.match('/few/%62')).toBe('/few/b');
    expect(many.match('/few/bb')).toBeUndefined();
    expect(many.match('/few/')).toBeUndefined();
  });
});
