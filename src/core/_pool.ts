/** The one concurrency limit: `dispatch()` walks, `ImageStore.sync()` loads and registry requests share its shape. */

/** Runs jobs, at most `limit` at a time, the rest in the order they were queued. */
export interface Pool {
  /** Runs `job` once a slot is free; settles as the job does. */
  run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /**
   * Waits for a slot and returns the function that frees it (calling it twice frees once), for
   * work that outlives one call, such as a response body read later. An aborted wait rejects with
   * the signal's reason and gives up its place.
   */
  acquire(signal?: AbortSignal): Promise<() => void>;
}

interface _Waiter {
  readonly grant: () => void;
  readonly signal?: AbortSignal;
  cancelled?: boolean;
}

/**
 * A pool of `limit` slots (at least 1). A freed slot goes straight to the oldest waiter still
 * waiting, and the queue is a moving head over an array, so queuing N jobs costs O(N) in all.
 */
export function pool(limit: number): Pool {
  const slots = Math.max(1, Math.floor(limit) || 1);
  let running = 0;
  let waiting: _Waiter[] = [];
  let head = 0;
  const release = () => {
    while (head < waiting.length) {
      const next = waiting[head++];
      if (head === waiting.length) {
        waiting = [];
        head = 0;
      }
      if (next.cancelled || next.signal?.aborted) continue;
      next.grant();
      return;
    }
    running--;
  };
  const once = () => {
    let freed = false;
    return () => {
      if (!freed) {
        freed = true;
        release();
      }
    };
  };
  const acquire = (signal?: AbortSignal): Promise<() => void> => {
    signal?.throwIfAborted();
    if (running < slots) {
      running++;
      return Promise.resolve(once());
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        waiter.cancelled = true;
        reject(signal!.reason);
      };
      const waiter: _Waiter = {
        signal,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(once());
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      waiting.push(waiter);
    });
  };
  return {
    acquire,
    async run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      const free = await acquire(signal);
      try {
        return await job();
      } finally {
        free();
      }
    },
  };
}
