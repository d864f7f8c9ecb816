const GUARDED = new WeakMap<(message: unknown) => void, (message: unknown) => void>();

/**
 * The listener wrapped so that it never throws: Node rethrows a subscriber's exception on the
 * next tick, as an uncaught exception of the application. The owners count their own faults.
 * @example
 * ```ts
 * diagnosticsChannel.subscribe('http.client.request.start', guarded(onRequestStart));
 * ```
 */
export function guarded(listener: (message: unknown) => void): (message: unknown) => void {
  let wrapped = GUARDED.get(listener);
  if (wrapped === undefined) {
    wrapped = (message: unknown): void => {
      try {
        listener(message);
      } catch {
        // never into the application
      }
    };
    GUARDED.set(listener, wrapped);
  }
  return wrapped;
}
