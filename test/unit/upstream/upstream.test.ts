import { describe, expect, it } from 'vitest';
import { compileRoutes } from '../../../src/catalog/route-matcher.js';
import type { Catalog } from '../../../src/catalog/types.js';
import { underPrefix } from '../../../src/hooks/client-calls.js';
import { Upstream, parseBase } from '../../../src/upstream/upstream.js';
import type { ParsedBase } from '../../../src/upstream/upstream.js';

function upstream(base: string, templates: string[] | undefined): Upstream {
  const catalog: Catalog = {
    name: 't', source: 't', codes: new Map(), ranges: [], operations: new Map(),
    ...(templates ? { routes: compileRoutes(templates) } : {}),
  };
  return new Upstream(parseBase(base) as ParsedBase, catalog);
}

describe('Upstream', () => {
  it('matches templates that carry the base prefix (OpenAPI servers) and labels them without it', () => {
    const u = upstream('https://rds.example.com/v3', ['/v3/{project_id}/instances', '/v3/{project_id}/instances/{instance_id}']);
    expect(u.label).toBe('rds.example.com');
    const t = u.template('/v3/p1/instances/i-9?token=x');
    expect(t).toBe('/v3/{project_id}/instances/{instance_id}');
    expect(u.routeLabel(t!)).toBe('/{project_id}/instances/{instance_id}');
    expect(u.routeLabel('/v3')).toBe('/');
  });

  it('matches templates relative to the base (catalog files) on the path without the prefix', () => {
    const u = upstream('http://127.0.0.1:8080/v3', ['/{project_id}/instances']);
    expect(u.label).toBe('127.0.0.1:8080');
    const t = u.template('/v3/p1/instances');
    expect(t).toBe('/{project_id}/instances');
    expect(u.routeLabel(t!)).toBe('/{project_id}/instances');
    expect(u.template('/v3/p1/other')).toBeUndefined();
  });

  it('has no template without a route matcher (the built-in catalog)', () => {
    expect(upstream('http://a', undefined).template('/x')).toBeUndefined();
  });

  it('covers paths under the prefix at a / boundary only', () => {
    expect(underPrefix('/v3/x', '/v3')).toBe(true);
    expect(underPrefix('/v3', '/v3')).toBe(true);
    expect(underPrefix('/v3?x=1', '/v3')).toBe(true);
    expect(underPrefix('/v30/x', '/v3')).toBe(false);
    expect(underPrefix('/v2/x', '/v3')).toBe(false);
    expect(underPrefix('/anything', '')).toBe(true);
  });
});
