// The metrics endpoint's own thread (src/exporter/server.ts, endpoint-thread.ts): what the
// application's thread sees when that thread fails, and how a scrape's slot is held and freed.
import { afterEach, describe, expect, it } from 'vitest';
import { createScrapeGate } from '../../src/exporter/handler.js';
import type { EndpointSource } from '../../src/exporter/handler.js';
import { startMetricsServer } from '../../src/exporter/server.js';
import type { MetricsServer } from '../../src/exporter/server.js';
import { request, waitFor } from '../helpers/net.js';

let servers: MetricsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** A source whose renders wait until `finish()` is called; faults are collected. */
function pendingSource(): { source: EndpointSource; faults: string[]; renders: () => number; finish: (body: string) => void } {
  const faults: string[] = [];
  const waiting: Array<(body: string) => void> = [];
  const source: EndpointSource = {
    render: () => new Promise<string>((resolve) => waiting.push(resolve)),
    fault: (kind, err) => faults.push(`${kind}: ${err instanceof Error ? err.message : String(err)}`),
  };
  return { source, faults, renders: () => waiting.length, finish: (body) => waiting.splice(0).forEach((r) => r(body)) };
}

describe("the endpoint's thread", () => {
  it('holds a slot per scrape until its response closed, and answers 503 past the cap', async () => {
    const { source, renders, finish } = pendingSource();
    const admit = createScrapeGate({ token: undefined, maxConcurrentScrapes: 1 });
    const server = await startMetricsServer(source, admit, '/metrics', 0, '127.0.0.1', () => {});
    servers.push(server);
    const first = request(server.address.port, { path: '/metrics' });
    await waitFor(() => (renders() === 1 ? true : undefined), 5000, 'the first render');
    const second = await request(server.address.port, { path: '/metrics' });
    expect([second.status, second.body.toString(), second.headers['retry-after']]).toEqual([503, 'too many concurrent scrapes\n', '1']);
    finish('# the body\n');
    const answered = await first;
    expect([answered.status, answered.body.toString(), answered.headers['content-type'], answered.headers['content-length']]).toEqual([200, '# the body\n', 'text/plain; version=0.0.4; charset=utf-8', '11']);
    // The slot is free again once the first response closed.
    const third = request(server.address.port, { path: '/metrics' });
    await waitFor(() => (renders() === 1 ? true : undefined), 5000, 'the third render');
    finish('# again\n');
    expect((await third).status).toBe(200);
  });

  it('a fault after rendering answers 500, is counted as an endpoint fault and frees the slot (no unhandled rejection)', async () => {
    const faults: string[] = [];
    const source: EndpointSource = {
      render: () => Buffer.from('# rendered\n'),
      recycle: () => {
        throw new Error('recycle broke');
      },
      fault: (kind, err) => faults.push(`${kind}: ${err instanceof Error ? err.message : String(err)}`),
    };
    const admit = createScrapeGate({ token: undefined, maxConcurrentScrapes: 1 });
    const server = await startMetricsServer(source, admit, '/metrics', 0, '127.0.0.1', () => {});
    servers.push(server);
    for (let i = 0; i < 2; i++) {
      const a = await request(server.address.port, { path: '/metrics' });
      expect([a.status, a.body.toString()]).toEqual([500, 'metrics endpoint failed\n']);
    }
    expect(faults).toEqual(['endpoint: recycle broke', 'endpoint: recycle broke']);
  });

  it('a thread that ends is reported once to onError, and the slots its scrapes held are freed', async () => {
    const { source, renders } = pendingSource();
    const admit = createScrapeGate({ token: undefined, maxConcurrentScrapes: 1 });
    const errors: string[] = [];
    const server = await startMetricsServer(source, admit, '/metrics', 0, '127.0.0.1', (err) => errors.push(err.message));
    servers.push(server);
    const scrape = request(server.address.port, { path: '/metrics' }).then(
      (a) => `answered ${a.status}`,
      (err: Error) => err.message,
    );
    await waitFor(() => (renders() === 1 ? true : undefined), 5000, 'the render');
    await server.thread!.terminate();
    expect(await scrape).toBe('socket hang up');
    expect(errors).toEqual([`the metrics endpoint's thread exited with code 1; the endpoint is closed`]);
    // The slot the scrape held is free: the gate admits a scrape again.
    expect('answer' in admit({ method: 'GET', authorization: undefined, accept: undefined, acceptEncoding: undefined })).toBe(false);
    // close() after the thread ended resolves.
    await server.close();
    servers = [];
  });
});
