/**
 * containerd through its own gRPC API: image records from `containerd.services.images.v1.Images`,
 * blobs from `containerd.services.content.v1.Content`, and a store that follows the daemon's
 * image events as the CRI does. The gRPC connection is a capability handed in
 * ({@linkcode ContainerdApiClient}); `@ocistore/ocistore/runtime` builds one over `@grpc/grpc-js`.
 */
import type { ContentProvider, ImageLister, ImageSource, ReadOptions } from "../core/content.ts";
import { NotFoundError, OciStoreError, UnavailableError } from "../core/errors.ts";
import type { ImageStore } from "../core/image_store.ts";
import type { BlobInfo, Descriptor, ImageRecord } from "../core/types.ts";
import { MISSING_CONTENT_HINT } from "./_containerd_content.ts";
import {
  decodeEnvelope,
  decodeImage,
  decodeImages,
  decodeInfo,
  decodeNamespaces,
  decodeReadChunk,
  encodeFilters,
  encodeName,
  encodeRead,
  type ImageEvent,
} from "./containerd_api/_proto.ts";

export type { ImageEvent } from "./containerd_api/_proto.ts";

/** Options of one call: the namespace (sent as `containerd-namespace` metadata) and an abort. */
export interface ContainerdCallOptions {
  /** The containerd namespace of the call. */
  readonly namespace: string;
  /** Aborts the call. */
  readonly signal?: AbortSignal;
}

/**
 * The gRPC calls the adapter makes, bytes in and out (the protobuf encoding is the adapter's).
 * A failed call rejects with an error carrying gRPC's numeric `code` (as `@grpc/grpc-js` does).
 */
export interface ContainerdApiClient {
  /** A unary call, e.g. `/containerd.services.images.v1.Images/List`. */
  unary(method: string, request: Uint8Array, options: ContainerdCallOptions): Promise<Uint8Array>;
  /** A server-streaming call (`Content/Read`, `Events/Subscribe`): each message as it arrives. */
  serverStream(
    method: string,
    request: Uint8Array,
    options: ContainerdCallOptions,
  ): AsyncIterable<Uint8Array>;
  /** Where the daemon is, for messages (`unix:///run/containerd/containerd.sock`). */
  readonly address: string;
  /** Closes the connection. */
  close?(): void;
}

const _images = "/containerd.services.images.v1.Images/";
const _content = "/containerd.services.content.v1.Content/";
const _subscribe = "/containerd.services.events.v1.Events/Subscribe";
const _namespaces = "/containerd.services.namespaces.v1.Namespaces/List";
// gRPC status codes.
const _notFound = 5;
const _unavailable = 14;
const _cancelled = 1;
// containerd's own errors never map to INTERNAL (its errdefs become NotFound, Unknown, ...); grpc-js
// reports a stream the dying daemon broke (RST_STREAM, EPIPE) as INTERNAL, so it means "went away".
const _internal = 13;

/** The error a failed call becomes, in the action's terms. */
function _fail(error: unknown, action: string, address: string, notFoundHint?: string): never {
  if (error instanceof OciStoreError) throw error;
  const code = (error as { code?: unknown })?.code;
  const details = (error as { details?: unknown })?.details ?? (error as Error)?.message;
  if (code === _notFound) {
    const hint = notFoundHint ? `; ${notFoundHint}` : "";
    throw new NotFoundError(`${action}: ${details}${hint}`, { cause: error });
  }
  if (code === _unavailable || code === _cancelled || code === _internal) {
    throw new UnavailableError(
      `${action}: containerd at ${address} is unavailable (${details})`,
      { cause: error },
    );
  }
  throw error;
}

/**
 * Opens containerd's image records and content in one namespace over its gRPC API. Every blob
 * still goes through the core's verification; this source only moves bytes.
 *
 * @param client The gRPC calls (see {@linkcode ContainerdApiClient}).
 * @param options The namespace (`default` unless given; the CRI uses `k8s.io`).
 * @returns The source: `images.list()` in the daemon's order.
 * @example A daemon that knows no image
 * ```ts
 * import { openContainerdApi } from "./containerd_api.ts";
 * import { NotFoundError } from "@ocistore/ocistore";
 * import { assertEquals, assertRejects } from "@std/assert";
 *
 * const client = {
 *   address: "unix:///nowhere.sock",
 *   unary: (method: string) =>
 *     method.endsWith("/List")
 *       ? Promise.resolve(new Uint8Array())
 *       : Promise.reject(Object.assign(new Error("image not found"), { code: 5 })),
 *   async *serverStream() {},
 * };
 * const source = openContainerdApi(client, { namespace: "k8s.io" });
 * assertEquals(await source.images.list(), []);
 * await assertRejects(() => source.images.get("a:1"), NotFoundError, "a:1");
 * ```
 */
export function openContainerdApi(
  client: ContainerdApiClient,
  options: { readonly namespace?: string } = {},
): ImageSource {
  const namespace = options.namespace ?? "default";
  const call = { namespace };
  const where = `in containerd namespace "${namespace}" at ${client.address}`;
  const images: ImageLister = {
    async list(): Promise<ImageRecord[]> {
      const bytes = await client.unary(`${_images}List`, encodeFilters([]), call).catch((e) =>
        _fail(e, `Cannot list images ${where}`, client.address)
      );
      return decodeImages(bytes);
    },
    async get(name: string): Promise<ImageRecord> {
      if (typeof name !== "string") throw new TypeError("Cannot get image: expected a string name");
      const action = `Cannot get image "${name}" ${where}`;
      const bytes = await client.unary(`${_images}Get`, encodeName(name), call).catch((e) =>
        _fail(e, action, client.address)
      );
      return decodeImage(bytes) ?? _fail({ code: _notFound, details: "no such image" }, action, "");
    },
  };
  const chunks = async function* (
    digest: string,
    offset: number,
    size: number,
    signal?: AbortSignal,
  ) {
    const action = `Cannot read blob "${digest}" ${where}`;
    try {
      for await (
        const message of client.serverStream(`${_content}Read`, encodeRead(digest, offset, size), {
          namespace,
          ...(signal && { signal }),
        })
      ) yield decodeReadChunk(message).data;
    } catch (error) {
      _fail(error, action, client.address, MISSING_CONTENT_HINT);
    }
  };
  const content: ContentProvider = {
    async info(digest, own): Promise<BlobInfo> {
      const bytes = await client.unary(`${_content}Info`, encodeName(digest), {
        namespace,
        ...(own?.signal && { signal: own.signal }),
      }).catch((e) =>
        _fail(e, `Cannot find blob "${digest}" ${where}`, client.address, MISSING_CONTENT_HINT)
      );
      const info = decodeInfo(bytes);
      return { digest, size: info.size, ...(info.labels && { labels: info.labels }) };
    },
    async read(descriptor: Descriptor, own: ReadOptions = {}): Promise<Uint8Array> {
      const range = _readable(
        chunks(descriptor.digest, own.offset ?? 0, own.length ?? 0, own.signal),
      );
      return new Uint8Array(await new Response(range).arrayBuffer());
    },
    stream(descriptor, own) {
      return Promise.resolve(_readable(chunks(descriptor.digest, 0, 0, own?.signal)));
    },
  };
  return {
    content,
    images,
    ...(client.close && { close: () => Promise.resolve(client.close!()) }),
  };
}

/**
 * The daemon's namespaces that hold at least one image, in its order: the hint for a namespace
 * that holds none (`default` versus `k8s.io`).
 *
 * @param client The gRPC calls.
 * @returns The namespace names.
 * @example
 * ```ts
 * import { namespacesWithImagesApi } from "./containerd_api.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const client = {
 *   address: "unix:///nowhere.sock",
 *   unary: () => Promise.resolve(new Uint8Array()),
 *   async *serverStream() {},
 * };
 * assertEquals(await namespacesWithImagesApi(client), []);
 * ```
 */
export async function namespacesWithImagesApi(client: ContainerdApiClient): Promise<string[]> {
  const action = "Cannot list containerd's namespaces";
  const names = decodeNamespaces(
    await client.unary(_namespaces, new Uint8Array(), { namespace: "" }).catch((e) =>
      _fail(e, action, client.address)
    ),
  );
  const held = await Promise.all(
    names.map(async (namespace) =>
      (await openContainerdApi(client, { namespace }).images.list()).length > 0
    ),
  );
  return names.filter((_, i) => held[i]);
}

/** The chunks of a `Content/Read` stream as a web stream (cancelling it ends the call). */
function _readable(iterator: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await iterator.return(undefined);
    },
  });
}

/** Options of {@linkcode followContainerd}. */
export interface FollowOptions {
  /** The namespace to follow (`default` unless given). */
  readonly namespace?: string;
  /** Stops following. */
  readonly signal?: AbortSignal;
  /** Each image event, after the store applied it. */
  readonly onEvent?: (event: ImageEvent) => void;
  /** Each time the stream broke and following resumed (after the re-sync). */
  readonly onReconnect?: (attempt: number, error: unknown) => void;
  /** The first wait before reconnecting, in ms (default 100; doubled up to 5 s). */
  readonly backoffMs?: number;
}

/**
 * Keeps `store` equal to the daemon's records as the CRI does: subscribes to `/images/create`,
 * `/images/update` and `/images/delete` in the namespace and applies each with
 * `store.update(name)` in event order. When the daemon goes away, reconnects with backoff, then
 * re-syncs once (events missed while away are not replayed). Resolves when `signal` aborts.
 *
 * @param client The gRPC calls.
 * @param store A store over {@linkcode openContainerdApi} on the same client and namespace.
 * @param options The namespace, the signal that stops following, and callbacks.
 * @returns Settles when following stops.
 * @example Following stops when its signal aborts
 * ```ts
 * import { followContainerd, openContainerdApi } from "./containerd_api.ts";
 * import { ImageStore } from "@ocistore/ocistore";
 *
 * const client = {
 *   address: "unix:///nowhere.sock",
 *   unary: () => Promise.resolve(new Uint8Array()),
 *   async *serverStream() {},
 * };
 * const store = new ImageStore(openContainerdApi(client));
 * await followContainerd(client, store, { signal: AbortSignal.abort() });
 * ```
 */
export async function followContainerd(
  client: ContainerdApiClient,
  store: ImageStore,
  options: FollowOptions = {},
): Promise<void> {
  const namespace = options.namespace ?? "default";
  const { signal } = options;
  const filters = encodeFilters(
    ["create", "update", "delete"].map((verb) =>
      `topic=="/images/${verb}",namespace=="${namespace}"`
    ),
  );
  let attempt = 0;
  let delay = options.backoffMs ?? 100;
  while (!signal?.aborted) {
    try {
      const events = client.serverStream(_subscribe, filters, {
        namespace,
        ...(signal && { signal }),
      });
      for await (const message of events) {
        const event = decodeEnvelope(message);
        if (event.namespace !== namespace || !event.name) continue;
        await store.update(event.name);
        delay = options.backoffMs ?? 100;
        options.onEvent?.(event);
      }
      if (signal?.aborted) return;
      throw new UnavailableError(`containerd at ${client.address} ended the event stream`);
    } catch (error) {
      if (signal?.aborted) return;
      attempt++;
      await _sleep(delay, signal);
      delay = Math.min(delay * 2, 5000);
      if (signal?.aborted) return;
      try {
        await store.sync();
        options.onReconnect?.(attempt, error);
      } catch {
        // Still away: the next Subscribe fails too and waits longer.
      }
    }
  }
}

function _sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
