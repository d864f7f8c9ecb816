import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findBinary, promtool } from '../helpers/prometheus.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');
const promtoolBin = findBinary('promtool');
const read = (path: string): unknown => parse(readFileSync(join(EXAMPLES, path), 'utf8'));

describe('the Prometheus and Grafana examples', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'faultline-examples-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.skipIf(!promtoolBin)('examples/prometheus.yml passes `promtool check config` with the bundled rules', () => {
    const config = readFileSync(join(EXAMPLES, 'prometheus.yml'), 'utf8').replace('/etc/prometheus/rules/faultline.rules.yml', join(ROOT, 'alerts', 'faultline.rules.yml'));
    writeFileSync(join(scratch, 'prometheus.yml'), config);
    const r = promtool(promtoolBin!, ['check', 'config', join(scratch, 'prometheus.yml')]);
    expect(r.output).toContain('SUCCESS');
    expect(r.output).not.toContain('FAILED');
    expect(r.code).toBe(0);
  });

  it('docker-compose.yml mounts files that exist where Prometheus and Grafana read them', () => {
    const compose = read('docker-compose.yml') as { services: Record<string, { volumes: string[] }> };
    const mounts = Object.values(compose.services).flatMap((s) => s.volumes.map((v) => v.split(':')));
    for (const [host] of mounts) expect(existsSync(resolve(EXAMPLES, host!)), host).toBe(true);
    const targets: Record<string, string> = Object.fromEntries(mounts.map(([host, target]): [string, string] => [target ?? '', host ?? '']));
    const prometheus = read('prometheus.yml') as { rule_files: string[] };
    expect(targets[prometheus.rule_files[0]!]).toBe('../alerts/faultline.rules.yml');
    const provider = read('grafana/provisioning/dashboards/faultline.yml') as { providers: Array<{ options: { path: string } }> };
    expect(targets[provider.providers[0]!.options.path]).toBe('../dashboards');
    expect(targets['/etc/grafana/provisioning/datasources']).toBe('./grafana/provisioning/datasources');
  });

  it('the provisioned data source is a default Prometheus the dashboards\' datasource variable can pick', () => {
    const ds = read('grafana/provisioning/datasources/prometheus.yml') as { apiVersion: number; datasources: Array<Record<string, unknown>> };
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources).toEqual([expect.objectContaining({ type: 'prometheus', isDefault: true, url: 'http://prometheus:9090' })]);
  });
});
