import cluster from 'node:cluster';
import { describe, expect, it } from 'vitest';
import { attachCluster, clusterLines } from '../../../src/exporter/cluster.js';
import { ConfigError, createFaultline, optionsFromEnv } from '../../../src/index.js';

describe('attachCluster in a process without workers', () => {
  it('is the primary, serves exactly what the instance serves alone, and detaches cleanly', async () => {
    const fl = createFaultline({ buckets: [0.1, 1] });
    fl.observe({ method: 'GET', route: '/a', statusCode: 503, durationSeconds: 0.5 });
    const alone = { text: await fl.metrics('text'), om: await fl.metrics('openmetrics') };
    const listeners = cluster.listenerCount('message');
    const attachment = attachCluster(fl);
    expect(attachment.role).toBe('primary');
    expect(attachCluster(fl)).toBe(attachment); // idempotent
    expect(cluster.listenerCount('message')).toBe(listeners + 1);
    // No worker was ever forked: the instance's own rendering, no cluster lines, no waiting.
    expect(fl.collector).toBeUndefined();
    expect(await fl.metrics('text')).toBe(alone.text);
    expect(await fl.metrics('openmetrics')).toBe(alone.om);
    attachment.close();
    expect(cluster.listenerCount('message')).toBe(listeners);
    expect(fl.collector).toBeUndefined();
    await fl.close();
  });
});

describe('clusterLines', () => {
  const counts = { answered: 2, timedOut: 1, unhooked: 0, retired: 3 };

  it('writes the worker states and the retired counter in the text format', () => {
    expect(clusterLines('', 'text', counts)).toBe(`# HELP faultline_cluster_workers Live cluster workers at this scrape: answered = sent a snapshot in time; timed_out = did not (its last snapshot is served); unhooked = runs without faultline, or has not started it yet (not counted).
# TYPE faultline_cluster_workers gauge
faultline_cluster_workers{state="answered"} 2
faultline_cluster_workers{state="timed_out"} 1
faultline_cluster_workers{state="unhooked"} 0
# HELP faultline_cluster_workers_retired_total Cluster workers that exited; their last snapshot stays in the totals.
# TYPE faultline_cluster_workers_retired_total counter
faultline_cluster_workers_retired_total 3
`);
  });

  it('names the counter family without _total in OpenMetrics and applies the prefix', () => {
    const om = clusterLines('app_', 'openmetrics', counts);
    expect(om).toContain('# TYPE app_faultline_cluster_workers_retired counter\napp_faultline_cluster_workers_retired_total 3\n');
    expect(om).toContain('app_faultline_cluster_workers{state="timed_out"} 1\n');
  });
});

describe('FAULTLINE_CLUSTER_TIMEOUT_MS', () => {
  it('sets the bounded wait (default 1000 ms)', () => {
    expect(optionsFromEnv({ FAULTLINE_CLUSTER_TIMEOUT_MS: '2500' }).clusterTimeoutMs).toBe(2500);
    expect(createFaultline({}).options.clusterTimeoutMs).toBe(1000);
  });

  it('refuses a value that is not a positive integer, naming the variable', () => {
    expect(() => optionsFromEnv({ FAULTLINE_CLUSTER_TIMEOUT_MS: '1s' })).toThrow(new ConfigError('FAULTLINE_CLUSTER_TIMEOUT_MS', '1s', 'is not a positive integer'));
    expect(() => optionsFromEnv({ FAULTLINE_CLUSTER_TIMEOUT_MS: '1s' })).toThrow('FAULTLINE_CLUSTER_TIMEOUT_MS="1s" is not a positive integer');
    expect(() => createFaultline({ clusterTimeoutMs: 0 })).toThrow('clusterTimeoutMs="0" is not a positive integer (milliseconds)');
  });
});
