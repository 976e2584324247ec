/** Test streams that deliver bytes in small chunks, as a network or an inflater does. */

/** A stream delivering `bytes` in chunks of `size` (the last one shorter). */
export function chunked(bytes: Uint8Array, size = 100): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}
