import type { FailureReason } from '../record/client-recorder.js';

const CONNECT_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EHOSTUNREACH', 'ENETUNREACH',
  'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT',
  // TLS handshake failures: no connection to send the request on
  'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_TLS_HANDSHAKE_TIMEOUT',
]);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'HPE_INVALID_EOF_STATE']);
const ABORT_CODES = new Set(['ABORT_ERR', 'UND_ERR_ABORTED', 'UND_ERR_DESTROYED', 'UND_ERR_CLOSED']);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  cause?: unknown;
}

function isTimeout(e: ErrorLike): boolean {
  return e.name === 'TimeoutError' || (typeof e.code === 'string' && TIMEOUT_CODES.has(e.code));
}

/**
 * Why a call failed, from the error Node or undici reported. A timeout anywhere in the cause
 * chain wins (`AbortSignal.timeout()` surfaces as an AbortError whose cause is a TimeoutError
 * with `http.request`, and as a TimeoutError with fetch); then connection set-up errors
 * (ECONNREFUSED, ENOTFOUND, TLS handshake), resets (ECONNRESET / "socket hang up",
 * undici's "other side closed"), aborts (AbortError); anything else is `other`.
 *
 * @example
 * ```ts
 * failureReason(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })); // 'connect'
 * failureReason(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));   // 'timeout'
 * ```
 */
export function failureReason(err: unknown, timedOut = false): FailureReason {
  if (timedOut) return 'timeout';
  let e: unknown = err;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    if (isTimeout(e)) return 'timeout';
    e = (e as ErrorLike).cause;
  }
  e = err;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const { name, code } = e as ErrorLike;
    if (typeof code === 'string') {
      if (CONNECT_CODES.has(code)) return 'connect';
      if (RESET_CODES.has(code)) return 'reset';
      if (ABORT_CODES.has(code)) return 'aborted';
    }
    if (name === 'AbortError') return 'aborted';
    e = (e as ErrorLike).cause;
  }
  return 'other';
}
