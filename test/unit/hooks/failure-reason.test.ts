import { describe, expect, it } from 'vitest';
import { failureReason } from '../../../src/hooks/failure-reason.js';

const err = (code: string, message = code): Error => Object.assign(new Error(message), { code });

describe('failureReason', () => {
  it.each([
    ['ECONNREFUSED', 'connect'],
    ['ENOTFOUND', 'connect'],
    ['EAI_AGAIN', 'connect'],
    ['EHOSTUNREACH', 'connect'],
    ['CERT_HAS_EXPIRED', 'connect'],
    ['ETIMEDOUT', 'timeout'],
    ['UND_ERR_CONNECT_TIMEOUT', 'timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'timeout'],
    ['ECONNRESET', 'reset'],
    ['EPIPE', 'reset'],
    ['UND_ERR_SOCKET', 'reset'],
    ['ABORT_ERR', 'aborted'],
    ['UND_ERR_ABORTED', 'aborted'],
    ['ERR_INVALID_CHAR', 'other'],
  ])('maps code %s to %s', (code, reason) => {
    expect(failureReason(err(code))).toBe(reason);
  });

  it('maps AbortSignal.timeout(): a TimeoutError (fetch) or an AbortError caused by one (http.request)', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(failureReason(timeout)).toBe('timeout');
    const abort = Object.assign(new Error('The operation was aborted', { cause: timeout }), { name: 'AbortError', code: 'ABORT_ERR' });
    expect(failureReason(abort)).toBe('timeout');
  });

  it('maps an AbortController abort to aborted, fetch\'s DOMException included', () => {
    expect(failureReason(new DOMException('This operation was aborted', 'AbortError'))).toBe('aborted');
  });

  it('looks through causes (fetch wraps as TypeError("fetch failed", { cause }))', () => {
    expect(failureReason(new TypeError('fetch failed', { cause: err('ECONNREFUSED') }))).toBe('connect');
  });

  it('says timeout for a request that emitted "timeout" before it failed, whatever the error', () => {
    expect(failureReason(err('ECONNRESET', 'socket hang up'), true)).toBe('timeout');
  });

  it('says other for anything that is not an error', () => {
    expect(failureReason(undefined)).toBe('other');
    expect(failureReason('boom')).toBe('other');
    expect(failureReason({ code: 42 })).toBe('other');
  });
});
