/**
 * The registry's content: a blob's size by HEAD, whole and ranged reads by GET, streams that hold
 * their request slot until the body ends. No answer is trusted past the size its descriptor names
 * (the core verifies the digest); documents kept by resolving are served without a request.
 */
import {
  type ContentProvider,
  type ReadOptions,
  type SignalOptions,
  sliceRead,
} from "../../core/content.ts";
import { parseDigest } from "../../core/digest.ts";
import {
  DigestMismatchError,
  NotFoundError,
  UnavailableError,
  UnsupportedError,
} from "../../core/errors.ts";
import type { BlobInfo, Descriptor } from "../../core/types.ts";
import { readLimited } from "./_body.ts";
import { isDocumentType, MANIFEST_ACCEPT } from "./_manifests.ts";
import { keptDocument, type Repository } from "./_repository.ts";

/** The content provider of `repo`. */
export function registryContent(repo: Repository): ContentProvider {
  const { client, name, repository, scope } = repo;
  const content = {
    async info(digest: string, own?: SignalOptions): Promise<BlobInfo> {
      parseDigest(digest);
      const kept = await keptDocument(repo, digest);
      if (kept) return { digest, size: kept.byteLength };
      const signal = repo.signal(own?.signal);
      const what = `Cannot find blob ${digest} in ${repository}`;
      const sizeOf = (kind: string) =>
        client.request(
          {
            method: "HEAD",
            path: `${name}/${kind}/${digest}`,
            scope,
            what,
            signal,
            headers: kind === "manifests" ? { accept: MANIFEST_ACCEPT } : {},
          },
          ({ response }) =>
            Promise.resolve(Number(response.headers.get("content-length") ?? "NaN")),
        );
      let size: number;
      try {
        size = await sizeOf("blobs");
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        size = await sizeOf("manifests");
      }
      if (!Number.isSafeInteger(size) || size < 0) {
        throw new UnsupportedError(`${what}: the registry did not say its size (Content-Length)`);
      }
      return { digest, size };
    },

    async read(descriptor: Descriptor, readOptions: ReadOptions = {}): Promise<Uint8Array> {
      const { offset, length } = readOptions;
      const signal = repo.signal(readOptions.signal);
      const digest = descriptor.digest;
      parseDigest(digest);
      const ranged = offset !== undefined || length !== undefined;
      const start = offset ?? 0;
      const kept = await keptDocument(repo, digest);
      if (kept) return sliceRead(kept, readOptions);
      const document = isDocumentType(descriptor.mediaType);
      const what = `Cannot read ${document ? "manifest" : "blob"} ${digest} from ${repository}`;
      const size = descriptor.size;
      // The most a well-behaved answer can hold; anything longer is cut off and reported.
      const limit = ranged ? (length ?? Math.max(0, size - start)) : size;
      const headers: Record<string, string> = document ? { accept: MANIFEST_ACCEPT } : {};
      if (ranged && !document) {
        if (limit === 0) return new Uint8Array(0);
        headers.range = `bytes=${start}-${start + limit - 1}`;
      }
      const tooLong = (expected: number) => (found: number): never => {
        throw new DigestMismatchError(
          `${what}: expected ${expected} bytes, found ${found} or more`,
          { expected: String(expected), actual: String(found) },
        );
      };
      const bytes = await client.request(
        {
          method: "GET",
          path: `${name}/${document ? "manifests" : "blobs"}/${digest}`,
          scope,
          headers,
          what,
          signal,
          accept: headers.range ? [200, 206] : [200],
        },
        async ({ response }) => {
          if (response.status === 206) return await readLimited(response, limit, tooLong(limit));
          // A whole answer (no range, or a range the server ignored) may hold the whole blob.
          const whole = await readLimited(response, size, tooLong(size));
          return ranged && !document ? whole.slice(start, start + limit) : whole;
        },
      );
      if (document && ranged) return sliceRead(bytes, readOptions);
      return bytes;
    },

    async stream(
      descriptor: Descriptor,
      own?: SignalOptions,
    ): Promise<ReadableStream<Uint8Array>> {
      const kept = await keptDocument(repo, descriptor.digest);
      if (kept || isDocumentType(descriptor.mediaType)) {
        const bytes = kept ?? await content.read(descriptor, own);
        return new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();
      }
      const signal = repo.signal(own?.signal);
      const what = `Cannot read blob ${descriptor.digest} from ${repository}`;
      const answer = await client.send({
        method: "GET",
        path: `${name}/blobs/${descriptor.digest}`,
        scope,
        what,
        signal,
      });
      const body = answer.response.body;
      if (!body) {
        answer.release();
        return new Blob([]).stream();
      }
      let total = 0;
      const size = descriptor.size;
      const reader = body.getReader();
      // The slot is held until the body ends, fails or is cancelled; bytes past the size are an
      // error (the core's readBlobStream checks the digest at the end).
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const { done, value } = await reader.read();
            if (done) {
              answer.release();
              controller.close();
              return;
            }
            total += value.byteLength;
            if (total > size) {
              answer.release();
              await reader.cancel().catch(() => {});
              controller.error(
                new DigestMismatchError(`${what}: expected ${size} bytes, found more`, {
                  expected: String(size),
                  actual: String(total),
                }),
              );
              return;
            }
            controller.enqueue(value);
          } catch (error) {
            answer.release();
            controller.error(
              signal?.aborted ? signal.reason : new UnavailableError(
                `${what}: the connection failed while reading the blob: ${
                  (error as Error).message
                }`,
                { cause: error },
              ),
            );
          }
        },
        async cancel(reason) {
          answer.release();
          await reader.cancel(reason).catch(() => {});
        },
      });
    },
  } satisfies ContentProvider;
  return content;
}
