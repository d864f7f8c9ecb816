import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { RPCType, setRPCMetadata } from '@opentelemetry/core';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { AlwaysOffSampler, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { builtinCatalog } from '../../../src/catalog/builtin.js';
import { DEFAULT_BUCKETS, Recorder } from '../../../src/record/recorder.js';
import { metricNames } from '../../../src/record/names.js';
import { RenderPlan, render } from '../../../src/exporter/render.js';
import { TRACING_RECHECK_MS, activeServerSpan, linkActiveSpan, tracingMaybeRegistered, tracingRegistered } from '../../../src/record/trace-link.js';

function recorder(): Recorder {
  return new Recorder({ catalog: builtinCatalog(), lang: 'en', seriesLimit: 100, buckets: DEFAULT_BUCKETS, methods: [] });
}

describe('linkActiveSpan', () => {
  it('does nothing without an OpenTelemetry SDK (the api is a no-op)', () => {
    const r = recorder();
    const series = r.response(r.method('GET'), r.route('/a'), 503, 0.03);
    expect(activeServerSpan()).toBeUndefined();
    linkActiveSpan(series, r.buckets, 0.03);
    expect(series.exemplar).toBeUndefined();
    expect(series.exemplars).toBeUndefined();
  });

  describe('with the SDK', () => {
    const spans = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    beforeAll(() => provider.register());
    afterAll(async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
    });

    it('tags the active span and keeps its ids as the counter and bucket exemplars', () => {
      const r = recorder();
      const series = r.response(r.method('GET'), r.route('/a'), 503, 0.03);
      const tracer = provider.getTracer('test');
      const ids = tracer.startActiveSpan('server', (span) => {
        linkActiveSpan(series, r.buckets, 0.03);
        span.end();
        return span.spanContext();
      });
      const done = spans.getFinishedSpans().find((s) => s.name === 'server');
      expect(done?.attributes).toEqual({ 'faultline.category': 'service_fault', 'faultline.documented': true });
      expect(series.exemplar).toMatchObject({ traceId: ids.traceId, spanId: ids.spanId, value: 1 });
      // 0.03 s falls in the bucket le=0.05 (index 3 of 0.005, 0.01, 0.025, 0.05, ...).
      expect(series.exemplars?.slice(0, -1).map((e, i) => (e === undefined ? undefined : [i, e.value, e.spanId])).filter(Boolean)).toEqual([[3, 0.03, ids.spanId]]);
      const om = render(r, new RenderPlan(metricNames(), r), 'openmetrics');
      expect(om).toContain(`http_server_responses_total{method="GET",route="/a",code="503",category="service_fault",documented="true"} 1 # {trace_id="${ids.traceId}",span_id="${ids.spanId}"} 1 `);
      expect(om).toContain(`http_server_response_duration_seconds_bucket{method="GET",route="/a",code="503",category="service_fault",le="0.05"} 1 # {trace_id="${ids.traceId}",span_id="${ids.spanId}"} 0.03 `);
      expect(om).toContain('http_server_response_duration_seconds_bucket{method="GET",route="/a",code="503",category="service_fault",le="0.1"} 1\n');
      expect(render(r, new RenderPlan(metricNames(), r), 'text')).not.toContain(' # {');
      expect(render(r, new RenderPlan(metricNames(), r), 'text')).not.toContain('trace_id');
    });

    it('prefers the server span of the RPC metadata over an active child span', () => {
      const r = recorder();
      const series = r.response(r.method('GET'), r.route('/a'), 404, 0.001);
      const tracer = provider.getTracer('test');
      const server = tracer.startSpan('server');
      const ctx = setRPCMetadata(trace.setSpan(context.active(), server), { type: RPCType.HTTP, span: server });
      context.with(ctx, () => tracer.startActiveSpan('child', (child) => {
        linkActiveSpan(series, r.buckets, 0.001);
        child.end();
      }));
      server.end();
      const finished = spans.getFinishedSpans();
      expect(finished.find((s) => s.name === 'child')?.attributes).toEqual({});
      expect(finished.filter((s) => s.name === 'server').at(-1)?.attributes).toEqual({ 'faultline.category': 'client_fault', 'faultline.documented': true });
      expect(series.exemplar?.spanId).toBe(server.spanContext().spanId);
    });

    it('leaves unsampled spans alone: no attributes, no exemplar', () => {
      const off = new NodeTracerProvider({ sampler: new AlwaysOffSampler() });
      const r = recorder();
      const series = r.response(r.method('GET'), r.route('/a'), 500, 0.2);
      off.getTracer('test').startActiveSpan('server', (span) => {
        linkActiveSpan(series, r.buckets, 0.2);
        expect(span.isRecording()).toBe(false);
        span.end();
      });
      expect(series.exemplar).toBeUndefined();
    });
  });
});

describe('tracingMaybeRegistered', () => {
  it('trusts "no SDK" for TRACING_RECHECK_MS of the caller\'s clock, then notices an SDK registered since', async () => {
    // A clock value far past any performance.now() another test of this file passed.
    const t0 = 1e12;
    expect(tracingRegistered()).toBe(false);
    expect(tracingMaybeRegistered(t0)).toBe(false);
    const provider = new NodeTracerProvider();
    provider.register();
    try {
      expect(tracingRegistered()).toBe(true);
      expect(tracingMaybeRegistered(t0 + TRACING_RECHECK_MS - 1)).toBe(false);
      expect(tracingMaybeRegistered(t0 + TRACING_RECHECK_MS)).toBe(true);
      expect(tracingMaybeRegistered(t0 + TRACING_RECHECK_MS + 1)).toBe(true);
    } finally {
      await provider.shutdown();
      trace.disable();
      context.disable();
    }
    expect(tracingRegistered()).toBe(false);
    expect(tracingMaybeRegistered(t0 + TRACING_RECHECK_MS + 2)).toBe(false);
  });
});
