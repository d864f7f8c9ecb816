// The metrics endpoint's own thread (src/exporter/server.ts, endpoint-thread.ts): what the
// application's thread sees when that thread fails, and how a scrape's slot is held and freed.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createScrapeGate } from '../../src/exporter/handler.js';
import type { EndpointSource } from '../../src/exporter/handler.js';
import { startMetricsServer } from '../../src/exporter/server.js';
import type { MetricsServer } from '../../src/exporter/server.js';
import { close, request, waitFor } from '../helpers/net.js';

const servers: MetricsServer[] = [];
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

  it('a thread that ends is reported to onError, the slots its scrapes held are freed, and it starts again on the same port', async () => {
    const { source, renders, finish } = pendingSource();
    const admit = createScrapeGate({ token: undefined, maxConcurrentScrapes: 1 });
    const errors: string[] = [];
    const server = await startMetricsServer(source, admit, '/metrics', 0, '127.0.0.1', (err) => errors.push(err.message), { restartDelayMs: 100 });
    servers.push(server);
    const first = server.thread!;
    const scrape = request(server.address.port, { path: '/metrics' }).then(
      (a) => `answered ${a.status}`,
      (err: Error) => err.message,
    );
    await waitFor(() => (renders() === 1 ? true : undefined), 5000, 'the render');
    await first.terminate();
    expect(await scrape).toBe('socket hang up');
    expect(errors).toEqual([`the metrics endpoint's thread exited with code 1; it starts again in 100 ms`]);
    // The slot the scrape held is free: the gate admits a scrape again.
    const admission = admit({ method: 'GET', authorization: undefined, accept: undefined, acceptEncoding: undefined });
    expect('answer' in admission).toBe(false);
    if (!('answer' in admission)) admission.release();
    // The render the ended thread waited for completes into nothing (no thread to post to).
    finish('# too late\n');
    // A new thread listens on the same port and answers scrapes.
    await waitFor(() => (server.thread !== undefined ? true : undefined), 5000, 'the new thread');
    expect(server.thread).not.toBe(first);
    const again = request(server.address.port, { path: '/metrics' });
    await waitFor(() => (renders() === 1 ? true : undefined), 5000, 'the render after the restart');
    finish('# back\n');
    const answered = await again;
    expect([answered.status, answered.body.toString()]).toEqual([200, '# back\n']);
    expect(errors).toHaveLength(1);
  });

  it('a thread that fails again soon waits twice as long; one that cannot bind its port tries again later', async () => {
    const source: EndpointSource = { render: () => '# up\n', fault: () => {} };
    const admit = createScrapeGate({ token: undefined, maxConcurrentScrapes: 1 });
    const errors: string[] = [];
    const server = await startMetricsServer(source, admit, '/metrics', 0, '127.0.0.1', (err) => errors.push(err.message), { restartDelayMs: 500 });
    servers.push(server);
    const port = server.address.port;
    await server.thread!.terminate();
    // Something else takes the port while the thread is away.
    const blocker = http.createServer();
    await waitFor(() => new Promise<true>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(port, '127.0.0.1', () => resolve(true));
    }), 5000, 'the port to be free');
    await waitFor(() => (errors.length === 2 ? true : undefined), 5000, 'the failed restart');
    await close(blocker);
    await waitFor(() => (server.thread !== undefined ? true : undefined), 5000, 'the thread to start again');
    const answered = await waitFor(() => request(port, { path: '/metrics' }), 5000, 'a scrape');
    expect([answered.status, answered.body.toString()]).toEqual([200, '# up\n']);
    // It fails again within a minute of starting: the wait doubles once more.
    await server.thread!.terminate();
    expect(errors).toEqual([
      `the metrics endpoint's thread exited with code 1; it starts again in 500 ms`,
      `the metrics endpoint's thread did not start again (listen EADDRINUSE: address already in use 127.0.0.1:${port}); it tries again in 1000 ms`,
      `the metrics endpoint's thread exited with code 1; it starts again in 2000 ms`,
    ]);
  });

  it('close() while a thread waits to start again: none starts, and the port stays closed', async () => {
    const source: EndpointSource = { render: () => '# up\n', fault: () => {} };
    const admit = createScrapeGate({ token: undefined, maxConcurrentScrapes: 1 });
    const errors: string[] = [];
    const server = await startMetricsServer(source, admit, '/metrics', 0, '127.0.0.1', (err) => errors.push(err.message), { restartDelayMs: 100 });
    await server.thread!.terminate();
    await server.close();
    await new Promise((r) => setTimeout(r, 400));
    expect(server.thread).toBeUndefined();
    const refused = await request(server.address.port, { path: '/metrics' }).then(
      (a) => `answered ${a.status}`,
      (err: NodeJS.ErrnoException) => err.code,
    );
    expect(refused).toBe('ECONNREFUSED');
    expect(errors).toEqual([`the metrics endpoint's thread exited with code 1; it starts again in 100 ms`]);
  });
});
