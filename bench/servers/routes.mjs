// The benchmark's workload: a small cloud-database-like API with route templates, answering the
// status code the client asks for in the `s` query parameter (the mix is the load generator's).

/** Parses `/v3/<project>/instances[/<id>]?s=<code>` into { template, code } (null = 404). */
export function route(url) {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const code = q < 0 ? 200 : Number(url.slice(q + 3)) || 200;
  const parts = path.split('/');
  if (parts[1] !== 'v3' || parts[3] !== 'instances') return null;
  if (parts.length === 4) return { template: '/v3/:project_id/instances', code };
  if (parts.length === 5) return { template: '/v3/:project_id/instances/:instance_id', code };
  return null;
}

export const BODY = '{"instances":[],"total_count":0}';
