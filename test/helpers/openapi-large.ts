/**
 * A generated OpenAPI 3.0 document with many paths, for route matching at scale:
 * `resources` resources, each with `/rN`, `/rN/{id}` and `/rN/{id}/parts/{partId}`, under the
 * server prefix `/api/v3`; every tenth resource also has a literal `/rN/latest` that must win
 * over `{id}`. Responses: 200 everywhere, 404 on item paths, `4XX` on parts, `default`.
 */
export function largeOpenApi(resources = 350): { text: string; templates: string[] } {
  const paths: Record<string, unknown> = {};
  const templates: string[] = [];
  const add = (path: string, responses: Record<string, { description: string }>): void => {
    paths[path] = { get: { responses: { ...responses, default: { description: 'unexpected error' } } } };
    templates.push(`/api/v3${path}`);
  };
  for (let r = 0; r < resources; r++) {
    add(`/r${r}`, { '200': { description: `list r${r}` } });
    add(`/r${r}/{id}`, { '200': { description: `item r${r}` }, '404': { description: 'no such item' } });
    add(`/r${r}/{id}/parts/{partId}`, { '200': { description: `part r${r}` }, '4XX': { description: 'bad part request' } });
    if (r % 10 === 0) add(`/r${r}/latest`, { '200': { description: `latest r${r}` } });
  }
  const doc = { openapi: '3.0.3', info: { title: 'large', version: '1' }, servers: [{ url: 'https://api.example.com/api/v3' }], paths };
  return { text: JSON.stringify(doc), templates };
}

/** A concrete request path for a template: each `{param}` replaced by a value. */
export function samplePath(template: string, n: number): string {
  return template.replace(/\{[^}]+\}/g, (_m) => `v${n}`);
}
