/** A counting semaphore: at most `max` holders at once, waiters served in order, waits abortable. */

/** Runs tasks with bounded parallelism. */
export interface Limiter {
  /** Waits for a slot; the returned function frees it (calling it twice frees once). */
  acquire(signal?: AbortSignal): Promise<() => void>;
}

/** A limiter allowing `max` (at least 1) holders at once. */
export function limiter(max: number): Limiter {
  const limit = Math.max(1, Math.floor(max) || 1);
  let active = 0;
  const waiters: { grant: () => void; signal?: AbortSignal }[] = [];
  const release = () => {
    active--;
    while (waiters.length > 0) {
      const next = waiters.shift()!;
      if (next.signal?.aborted) continue;
      active++;
      next.grant();
      return;
    }
  };
  const once = () => {
    let done = false;
    return () => {
      if (!done) {
        done = true;
        release();
      }
    };
  };
  return {
    acquire(signal) {
      signal?.throwIfAborted();
      if (active < limit) {
        active++;
        return Promise.resolve(once());
      }
      return new Promise((resolve, reject) => {
        const waiter = {
          signal,
          grant: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve(once());
          },
        };
        const onAbort = () => {
          const at = waiters.indexOf(waiter);
          if (at !== -1) waiters.splice(at, 1);
          reject(signal!.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        waiters.push(waiter);
      });
    },
  };
}

/** Maps `items` through `fn` with at most `max` calls in flight, keeping the input order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  max: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, max), items.length) }, worker));
  return results;
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
