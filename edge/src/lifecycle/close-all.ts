/**
 * Stops what a host started, last started first. Every step runs even when an earlier one
 * fails (a stuck broker must not keep the data-directory lock), the first failure is
 * reported after all ran, and a second call waits for the first instead of stopping twice.
 */
export function closeAll(closers: readonly (() => Promise<void> | void)[]): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= (async () => {
      let failure: unknown;
      for (const closer of [...closers].reverse()) {
        try {
          await closer();
        } catch (error) {
          failure ??= error;
        }
      }
      if (failure !== undefined) throw failure;
    })();
    return closing;
  };
}
