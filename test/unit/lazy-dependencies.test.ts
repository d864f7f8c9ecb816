// faultline's third-party packages are loaded on first use of the feature that needs each
// (src/dependency.ts): `faultline/register` with the built-in catalog loads none of them.
// Loading ~300 modules a service does not use cost start-up time and memory:
// `require('faultline')` took ~255 ms and held 10.6 MB of heap after GC, now ~76 ms and 4.6 MB
// (README "Performance"). Checked in plain Node processes on the CommonJS build (the one both
// entry points run): vitest loads modules its own way.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const seed = join(root, 'test/fixtures/doc-table/seed-000_bf00fb12018831ed.txt');
const catalogYaml = join(root, 'test/fixtures/upstream/rds-catalog.yaml');

/**
 * Runs a CommonJS program in a fresh Node process from the project root (`fl` is `require('faultline')`)
 * and returns the npm packages it loaded, in load order, after `setup` and then after `use`.
 */
function packagesLoaded(setup: string, use: string, env: NodeJS.ProcessEnv = {}): { setup: string[]; use: string[] } {
  const program = `
    const packages = () => [...new Set(Object.keys(require.cache).flatMap((f) => {
      const i = f.lastIndexOf('/node_modules/');
      if (i < 0) return [];
      const parts = f.slice(i + '/node_modules/'.length).split('/');
      return [parts[0].startsWith('@') ? parts[0] + '/' + parts[1] : parts[0]];
    }))];
    (async () => {
      ${setup}
      const afterSetup = packages();
      ${use}
      console.log(JSON.stringify({ setup: afterSetup, use: packages().filter((p) => !afterSetup.includes(p)) }));
      process.exit(0);
    })().catch((err) => { console.error(err); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', program], { cwd: root, encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH, ...env } });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as { setup: string[]; use: string[] };
}

describe('third-party packages load on first use', () => {
  it('faultline/register with the built-in catalog loads none, while it counts', () => {
    const loaded = packagesLoaded(`require('faultline/register');`, `
      const http = require('node:http');
      const server = http.createServer((req, res) => { res.statusCode = 503; res.end(); }).listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      await fetch('http://127.0.0.1:' + server.address().port + '/x');
      const text = await require('faultline').registered().metrics();
      if (!text.includes('http_server_responses_total{method="GET",route="unmatched",code="503",category="service_fault",documented="true"} 1')) throw new Error(text);
      server.close();`, { FAULTLINE_PORT: '0' });
    expect(loaded).toEqual({ setup: [], use: [] });
  });

  it("require('faultline') and an instance with the Express and Koa adapters load none", () => {
    const loaded = packagesLoaded(`const { createFaultline } = require('faultline');`, `
      const fl = createFaultline();
      fl.express(); fl.koa(); fl.metricsHandler(); await fl.metrics('openmetrics');
      await fl.close();`);
    expect(loaded).toEqual({ setup: [], use: [] });
  });

  it.each([
    // prom-client itself requires @opentelemetry/api (for its exemplars).
    ['fl.registry (the prom-client bridge)', `createFaultline().registry;`, ['prom-client', 'tdigest', 'bintrees', '@opentelemetry/api']],
    ['fl.fastify', `createFaultline().fastify;`, ['fastify-plugin']],
    ['a catalog file', `createFaultline({ catalog: ${JSON.stringify(catalogYaml)} });`, ['yaml', 'zod']],
    ['a Markdown documentation table', `catalogFromDocTable('| Code | Meaning |\\n|---|---|\\n| 503 | Busy |\\n', 'doc.md');`, ['marked']],
    // The seed document is Markdown with its tables in embedded HTML.
    ['an HTML documentation table', `importDocTableFile(${JSON.stringify(seed)});`, ['marked', 'node-html-parser', 'he', 'css-select', 'domutils', 'domhandler', 'domelementtype', 'dom-serializer', 'entities', 'boolbase', 'css-what', 'nth-check']],
    ['the OpenTelemetry exporter', `await createFaultline({ exporter: 'otel' }).close();`, ['@opentelemetry/api']],
    ['catalogToYaml', `catalogToYaml(builtinCatalog());`, ['yaml']],
  ])('%s loads exactly its own', (_feature, use, expected) => {
    const loaded = packagesLoaded(`const { createFaultline, importDocTableFile, catalogFromDocTable, catalogToYaml, builtinCatalog } = require('faultline');`, use);
    expect(loaded).toEqual({ setup: [], use: expected });
  });
});
