import { setTimeout as sleep } from 'node:timers/promises';

/** A signal that aborts on Ctrl-C (SIGINT) or SIGTERM, and how to stop listening for them. */
export interface Interrupt {
  readonly signal: AbortSignal;
  /** Removes the signal handlers (the default behaviour of the signals comes back). */
  dispose(): void;
}

/**
 * Turns SIGINT and SIGTERM into an AbortSignal, so that a long-running command stops cleanly
 * (closes its servers, restores the terminal) and exits 0 instead of dying mid-write.
 * @example
 * ```ts
 * const interrupt = onInterrupt();
 * while (!interrupt.signal.aborted) await pause(1000, interrupt.signal);
 * interrupt.dispose();
 * ```
 */
export function onInterrupt(): Interrupt {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/** Waits `ms` milliseconds, or less when `signal` aborts (never rejects). */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // aborted: the caller looks at signal.aborted
  }
}
