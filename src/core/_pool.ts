/** The one concurrency limit of the core: `dispatch()` walks and `ImageStore.sync()` loads share it. */

/** Runs jobs, at most `limit` at a time, the rest in the order they were queued. */
export interface Pool {
  /** Runs `job` once a slot is free; settles as the job does. */
  run<T>(job: () => Promise<T>): Promise<T>;
}

/**
 * A pool of `limit` slots (at least 1). A finished job hands its slot straight to the oldest
 * waiter, and the queue is a moving head over an array, so queuing N jobs costs O(N) in all.
 */
export function pool(limit: number): Pool {
  const slots = Math.max(1, Math.floor(limit) || 1);
  let running = 0;
  let waiting: (() => void)[] = [];
  let head = 0;
  const release = () => {
    if (head === waiting.length) {
      running--;
      return;
    }
    const next = waiting[head++];
    if (head === waiting.length) {
      waiting = [];
      head = 0;
    }
    next();
  };
  return {
    async run<T>(job: () => Promise<T>): Promise<T> {
      if (running < slots) running++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await job();
      } finally {
        release();
      }
    },
  };
}
