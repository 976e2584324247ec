/** Reading response bodies with a byte cap, so a lying or endless server cannot exhaust memory. */

/**
 * Reads the whole body, or calls `tooLong(found)` (which must throw) as soon as it passes `limit`
 * bytes; the rest of the body is cancelled.
 */
export async function readLimited(
  response: Response,
  limit: number,
  tooLong: (found: number) => never,
): Promise<Uint8Array> {
  const declared = response.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) {
    await response.body?.cancel().catch(() => {});
    tooLong(Number(declared));
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        tooLong(total);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/** Cancels a body we do not need, ignoring failures (the connection may already be gone). */
export async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}
