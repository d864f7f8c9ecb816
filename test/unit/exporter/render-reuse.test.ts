// A scrape's body buffer is given back once sent and the next scrape writes into it: no
// allocation of the whole exposition per scrape (26 MB at 10,000 label sets), never a body
// overwritten while a response still reads it.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultline } from '../../../src/index.js';
import type { Faultline } from '../../../src/index.js';
import { estimateBytes, render, renderChunked } from '../../../src/exporter/render.js';
import { close, listen, request } from '../../helpers/net.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function filled(routes: number): Faultline {
  const fl = createFaultline({ logger: () => {}, seriesLimit: routes * 4 });
  const get = fl.recorder.method('GET');
  for (let r = 0; r < routes; r++) {
    const route = fl.recorder.route(`/items/${r}/:id`);
    fl.recorder.response(get, route, 200, 0.01);
    fl.recorder.response(get, route, 503, 0.2);
  }
  cleanup.push(() => fl.close());
  return fl;
}

describe('render buffer reuse', () => {
  it('the next render writes into a body given back, with the same bytes as a fresh render', async () => {
    const fl = filled(300);
    const plan = fl['plan'];
    const first = await renderChunked(fl.recorder, plan, 'text');
    const firstText = first.toString('utf8');
    plan.giveBack(first);
    const get = fl.recorder.method('GET');
    fl.recorder.response(get, fl.recorder.route('/items/0/:id'), 200, 0.01);
    const second = await renderChunked(fl.recorder, plan, 'text');
    expect(second.buffer).toBe(first.buffer);
    expect(second.toString('utf8')).toBe(render(fl.recorder, plan, 'text'));
    expect(second.toString('utf8')).not.toBe(firstText);
  });

  it('the first render writes into one buffer sized from the series, never grown and copied mid-render', async () => {
    const fl = filled(3000);
    const plan = fl['plan'];
    for (const format of ['text', 'openmetrics'] as const) {
      const size = estimateBytes(fl.recorder, plan);
      expect(plan.lastSize).toBeLessThan(size); // nothing rendered yet: the estimate decides
      const body = await renderChunked(fl.recorder, plan, format);
      // Doubling would have left a buffer of 2^k x 64 KiB behind the body.
      expect((plan as unknown as { lent: Buffer }).lent.length).toBe(size);
      expect(body.length).toBeLessThanOrEqual(size);
      expect(body.length).toBeGreaterThan(size * 0.7);
      expect(body.toString('utf8')).toBe(render(fl.recorder, plan, format));
      // Start the next format from scratch as well.
      plan.lastSize = 64 * 1024;
    }
  });

  it('a body not given back, or a foreign buffer, is never written into', async () => {
    const fl = filled(50);
    const plan = fl['plan'];
    const kept = await renderChunked(fl.recorder, plan, 'text');
    const keptText = kept.toString('utf8');
    const foreign = Buffer.alloc(1 << 20);
    plan.giveBack(foreign);
    const next = await renderChunked(fl.recorder, plan, 'text');
    expect(next.buffer).not.toBe(kept.buffer);
    expect(next.buffer).not.toBe(foreign.buffer);
    expect(kept.toString('utf8')).toBe(keptText);
    expect(foreign.every((b) => b === 0)).toBe(true);
  });

  it('sequential and concurrent scrapes of the endpoint all get the whole, same body', async () => {
    const fl = filled(2000);
    const server = http.createServer(fl.metricsHandler());
    const port = await listen(server);
    cleanup.push(() => close(server));
    const expected = render(fl.recorder, fl['plan'], 'text');
    expect(expected.length).toBeGreaterThan(500_000);
    for (let i = 0; i < 3; i++) expect((await request(port, { path: '/metrics' })).body.toString('utf8')).toBe(expected);
    const together = await Promise.all([0, 1, 2].map(() => request(port, { path: '/metrics' })));
    for (const answer of together) expect(answer.body.toString('utf8')).toBe(expected);
    expect(await fl.metrics()).toBe(expected);
  });

  it('the estimate covers aborted series and multi-byte route labels in both formats', async () => {
    const fl = createFaultline({ logger: () => {}, seriesLimit: 5000 });
    cleanup.push(() => fl.close());
    const rec = fl.recorder;
    const get = rec.method('GET');
    for (let r = 0; r < 400; r++) {
      const route = rec.route(`/Ä/${'ü'.repeat(r % 30)}/ß${r}/:id`);
      rec.response(get, route, 200, 0.01);
      rec.response(get, route, 404, 0.02);
      rec.aborted(get, route);
      rec.aborted(rec.method('POST'), route);
    }
    const plan = fl['plan'];
    for (const format of ['text', 'openmetrics'] as const) {
      const size = estimateBytes(rec, plan);
      plan.lastSize = 64 * 1024;
      const body = await renderChunked(rec, plan, format);
      expect((plan as unknown as { lent: Buffer }).lent.length).toBe(size);
      expect(body.length).toBeLessThanOrEqual(size);
      expect(body.toString('utf8')).toBe(render(rec, plan, format));
    }
  });

  it('a render shows the series that existed when it began, the same label sets in the counter and the histogram', async () => {
    const fl = filled(5000);
    const plan = fl['plan'];
    const rec = fl.recorder;
    const get = rec.method('GET');
    const before = render(rec, plan, 'text');
    const pending = renderChunked(rec, plan, 'text');
    // 10,000 series take several slices: this runs between two of them.
    await new Promise<void>((resolve) => setImmediate(resolve));
    rec.response(get, rec.route('/late/:id'), 201, 0.01);
    const body = (await pending).toString('utf8');
    expect(body).toBe(before);
    expect(body).not.toContain('/late/:id');
    const next = render(rec, plan, 'text');
    expect(next.match(/route="\/late\/:id"/g)).toHaveLength(1 + 17);
  });
});
