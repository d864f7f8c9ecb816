import { otelApi } from './otel-api.js';
import type { Span } from '@opentelemetry/api';
import type { ResponseSeries } from './series.js';

/** Span attribute: the response's fault category (`client_fault`, `service_fault`, ...). */
export const ATTR_FAULTLINE_CATEGORY = 'faultline.category';
/** Span attribute: whether the catalog documents the response's code (a boolean). */
export const ATTR_FAULTLINE_DOCUMENTED = 'faultline.documented';

// The context key under which @opentelemetry/core keeps the RPC metadata; instrumentation-http
// stores its server span there, so it is found even when a child span is active (the way
// instrumentation-express finds the span to name). The api's createContextKey is Symbol.for, so
// this is the same key as core's without depending on @opentelemetry/core (nor loading the api).
const RPC_METADATA_KEY = Symbol.for('OpenTelemetry SDK Context Key RPC_METADATA');

// Where @opentelemetry/api 1.x keeps what an SDK registered (context manager, tracer provider).
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/** Whether an OpenTelemetry SDK registered a context manager and a tracer provider. */
export function tracingRegistered(): boolean {
  const registered = (globalThis as { [API_GLOBAL]?: { context?: unknown; trace?: unknown } })[API_GLOBAL];
  return registered !== undefined && registered.context !== undefined && registered.trace !== undefined;
}

/**
 * How long (ms) `tracingMaybeRegistered()` trusts an answer of "no SDK": an SDK registered while
 * responses are being counted is noticed within this time.
 */
export const TRACING_RECHECK_MS = 100;
/** performance.now() until which "no SDK registered" is trusted (per copy of this module). */
let noTracingUntil = -Infinity;

/**
 * `tracingRegistered()` for the per-response path: a "no" is trusted for `TRACING_RECHECK_MS`
 * of `now` (the performance.now() the caller already read for the response's duration). The
 * global lookup is a missing-symbol read on the global object, ~145 instructions per response
 * under callgrind; services register their SDK once, at start.
 * @example
 * ```ts
 * if (tracingMaybeRegistered(performance.now())) linkActiveSpan(series, buckets, seconds);
 * ```
 */
export function tracingMaybeRegistered(now: number): boolean {
  if (now < noTracingUntil) return false;
  if (tracingRegistered()) return true;
  noTracingUntil = now + TRACING_RECHECK_MS;
  return false;
}

interface RpcMetadata {
  readonly type?: unknown;
  readonly span?: Span;
}

/**
 * The server span of the current request, if one is active and recording: the span that
 * instrumentation-http put in the context's RPC metadata, else the active span. Without an
 * OpenTelemetry SDK the api's no-op context holds nothing and this is two map reads.
 * @example
 * ```ts
 * activeServerSpan()?.setAttribute('faultline.category', 'service_fault');
 * ```
 */
export function activeServerSpan(): Span | undefined {
  const api = otelApi();
  const ctx = api.context.active();
  const rpc = ctx.getValue(RPC_METADATA_KEY) as RpcMetadata | undefined;
  const span = rpc !== undefined && rpc.type === 'http' && rpc.span !== undefined ? rpc.span : api.trace.getSpan(ctx);
  return span !== undefined && span.isRecording() ? span : undefined;
}

/**
 * Links a counted response to the active server span, if any: tags the span with
 * `faultline.category` and `faultline.documented` (status and `error.type` stay
 * OpenTelemetry's), and when the span is sampled keeps its ids as the series' exemplars, for
 * the counter (value 1) and for the histogram bucket of `seconds`. Called once per counted
 * response, in the context the response finished in; must not throw (callers guard).
 * @example
 * ```ts
 * const series = recorder.response(method, route, 503, 0.2);
 * linkActiveSpan(series, recorder.buckets, 0.2);
 * ```
 */
export function linkActiveSpan(series: ResponseSeries, bounds: Float64Array, seconds: number): void {
  // Callers skip this when no SDK is registered (tracingMaybeRegistered / tracingRegistered):
  // without one the api's no-op context holds no span, so it would find none, at the cost of
  // the api's global lookup and version check.
  const span = activeServerSpan();
  if (span === undefined) return;
  span.setAttribute(ATTR_FAULTLINE_CATEGORY, series.category);
  span.setAttribute(ATTR_FAULTLINE_DOCUMENTED, series.documented);
  const sc = span.spanContext();
  if ((sc.traceFlags & 1) === 0) return; // TraceFlags.SAMPLED
  const timestamp = Date.now() / 1000;
  series.exemplar = { traceId: sc.traceId, spanId: sc.spanId, value: 1, timestamp };
  const value = seconds >= 0 ? seconds : 0;
  let i = 0;
  while (i < bounds.length && value > bounds[i]!) i++;
  series.exemplarSlots()[i] = { traceId: sc.traceId, spanId: sc.spanId, value, timestamp };
}
