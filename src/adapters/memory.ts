/** An in-memory source: content and image records kept in maps, for tests, examples and demos. */
import {
  type ContentProvider,
  type ImageLister,
  type ImageSource,
  type ReadOptions,
  sliceRead,
} from "../core/content.ts";
import { digestOf } from "../core/digest.ts";
import { NotFoundError } from "../core/errors.ts";
import {
  MEDIA_TYPE_DOCKER_CONFIG,
  MEDIA_TYPE_DOCKER_LAYER,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_OCI_CONFIG,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_LAYER,
  MEDIA_TYPE_OCI_MANIFEST,
} from "../core/media_types.ts";
import { DEFAULT_PLATFORM } from "../core/platform.ts";
import type { BlobInfo, Descriptor, ImageConfig, ImageRecord, Platform } from "../core/types.ts";

/** What {@link MemorySource.addImage} builds. */
export interface ImageSpecInput {
  /** Contents of the layers (stored uncompressed, so each diff ID is the layer digest). */
  readonly layers?: readonly (string | Uint8Array)[];
  /** The platform written in the config and on the returned manifest descriptor (default linux/amd64). */
  readonly platform?: Platform;
  /** Extra config fields (execution config, history, …), merged over the generated ones. */
  readonly config?: Partial<ImageConfig>;
  /** Docker schema 2 media types instead of OCI ones. */
  readonly docker?: boolean;
  /** Manifest annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** The blobs of an image built by {@link MemorySource.addImage}. */
export interface BuiltImage {
  /** The manifest's descriptor (with the platform, ready to go into an index). */
  readonly manifest: Descriptor;
  /** The config's descriptor; its digest is the image ID. */
  readonly config: Descriptor;
  /** The layers' descriptors. */
  readonly layers: readonly Descriptor[];
}

/** An in-memory {@link ImageSource} with helpers to fill it. */
export interface MemorySource extends ImageSource {
  /** Stores a blob and returns its descriptor. */
  addBlob(data: string | Uint8Array, mediaType: string): Promise<Descriptor>;
  /** Forgets a blob (to simulate missing content). */
  deleteBlob(digest: string): void;
  /** Stores raw bytes under a digest without checking them (to simulate corrupt content). */
  putRaw(digest: string, data: Uint8Array): void;
  /** Builds and stores a single-platform image: layers, config and manifest. */
  addImage(spec: ImageSpecInput): Promise<BuiltImage>;
  /** Builds and stores an index over the given manifest (or index) descriptors. */
  addIndex(
    manifests: readonly Descriptor[],
    options?: { readonly docker?: boolean; readonly annotations?: Record<string, string> },
  ): Promise<Descriptor>;
  /** Creates or replaces the image record `name`. */
  setRecord(name: string, target: Descriptor, labels?: Record<string, string>): void;
  /** Removes the image record `name`. */
  deleteRecord(name: string): void;
}

const _encoder = new TextEncoder();

/**
 * Creates an empty in-memory source.
 *
 * @returns The source, with helpers to add blobs, images, indexes and records.
 * @example
 * ```ts
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 *
 * const source = memorySource();
 * const image = await source.addImage({ layers: ["hello"] });
 * source.setRecord("example.com/hello:1", image.manifest, { "io.cri-containerd.pinned": "pinned" });
 * const record = await source.images.get("example.com/hello:1");
 * assertEquals(record.target.digest, image.manifest.digest);
 * assertEquals((await source.content.info(image.config.digest)).size, image.config.size);
 * ```
 */
export function memorySource(): MemorySource {
  const blobs = new Map<string, Uint8Array>();
  const records = new Map<string, ImageRecord>();

  const bytesOf = (digest: string): Uint8Array => {
    const bytes = blobs.get(digest);
    if (!bytes) throw new NotFoundError(`Cannot read blob ${digest}: not in the memory store`);
    return bytes;
  };
  const content = {
    info: (digest: string): Promise<BlobInfo> =>
      Promise.resolve().then(() => ({ digest, size: bytesOf(digest).byteLength })),
    read: (descriptor: Descriptor, options: ReadOptions = {}): Promise<Uint8Array> =>
      Promise.resolve().then(() => sliceRead(bytesOf(descriptor.digest), options)),
  } satisfies ContentProvider;
  const images = {
    get: (name: string): Promise<ImageRecord> =>
      Promise.resolve().then(() => {
        const record = records.get(name);
        if (!record) throw new NotFoundError(`Cannot find image "${name}": no such record`);
        return record;
      }),
    list: (): Promise<ImageRecord[]> => Promise.resolve([...records.values()]),
  } satisfies ImageLister;

  const addBlob = async (data: string | Uint8Array, mediaType: string): Promise<Descriptor> => {
    const bytes = typeof data === "string" ? _encoder.encode(data) : data.slice();
    const digest = await digestOf(bytes);
    blobs.set(digest, bytes);
    return { mediaType, digest, size: bytes.byteLength };
  };

  return {
    content,
    images,
    addBlob,
    deleteBlob: (digest) => void blobs.delete(digest),
    putRaw: (digest, data) => void blobs.set(digest, data.slice()),
    async addImage(spec) {
      const platform = spec.platform ?? DEFAULT_PLATFORM;
      const layers = await Promise.all(
        (spec.layers ?? []).map((layer) =>
          addBlob(layer, spec.docker ? MEDIA_TYPE_DOCKER_LAYER : MEDIA_TYPE_OCI_LAYER)
        ),
      );
      const config = await addBlob(
        JSON.stringify({
          ...platform,
          rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
          ...spec.config,
        }),
        spec.docker ? MEDIA_TYPE_DOCKER_CONFIG : MEDIA_TYPE_OCI_CONFIG,
      );
      const mediaType = spec.docker ? MEDIA_TYPE_DOCKER_MANIFEST : MEDIA_TYPE_OCI_MANIFEST;
      const manifest = await addBlob(
        JSON.stringify({
          schemaVersion: 2,
          mediaType,
          config,
          layers,
          ...(spec.annotations ? { annotations: spec.annotations } : {}),
        }),
        mediaType,
      );
      return { manifest: { ...manifest, platform }, config, layers };
    },
    addIndex(manifests, options = {}) {
      const mediaType = options.docker ? MEDIA_TYPE_DOCKER_MANIFEST_LIST : MEDIA_TYPE_OCI_INDEX;
      return addBlob(
        JSON.stringify({
          schemaVersion: 2,
          mediaType,
          manifests,
          ...(options.annotations ? { annotations: options.annotations } : {}),
        }),
        mediaType,
      );
    },
    setRecord(name, target, labels = {}) {
      records.set(name, { name, target, labels });
    },
    deleteRecord: (name) => void records.delete(name),
  };
}
