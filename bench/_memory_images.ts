/** Many small images in memory, built fast (node:crypto digests) for the store benchmarks. */
import { createHash } from "node:crypto";
import type { ContentProvider, ImageRecord, ImageSource } from "../src/core/content.ts";
import { NotFoundError } from "../src/core/errors.ts";
import type { Descriptor } from "../src/core/types.ts";

const _encoder = new TextEncoder();

/** A source over a map of blobs and a list of records; counts reads. */
export interface BenchSource extends ImageSource {
  readonly blobs: Map<string, Uint8Array>;
  readonly records: ImageRecord[];
  reads: number;
}

/** An empty bench source. */
export function benchSource(): BenchSource {
  const blobs = new Map<string, Uint8Array>();
  const records: ImageRecord[] = [];
  const byName = new Map<string, ImageRecord>();
  const source: BenchSource = {
    blobs,
    records,
    reads: 0,
    content: {
      info(digest) {
        const bytes = blobs.get(digest);
        if (!bytes) return Promise.reject(new NotFoundError(`no blob ${digest}`));
        return Promise.resolve({ digest, size: bytes.length });
      },
      read(descriptor, options = {}) {
        source.reads++;
        const bytes = blobs.get(descriptor.digest);
        if (!bytes) return Promise.reject(new NotFoundError(`no blob ${descriptor.digest}`));
        if (options.offset === undefined && options.length === undefined) {
          return Promise.resolve(bytes);
        }
        const start = options.offset ?? 0;
        return Promise.resolve(bytes.subarray(start, start + (options.length ?? bytes.length)));
      },
    } satisfies ContentProvider,
    images: {
      get(name) {
        const record = byName.get(name);
        return record ? Promise.resolve(record) : Promise.reject(new NotFoundError(`no ${name}`));
      },
      list: () => Promise.resolve([...records]),
    },
  };
  const setRecord = source.records.push.bind(source.records);
  source.records.push = (...items: ImageRecord[]) => {
    for (const item of items) byName.set(item.name, item);
    return setRecord(...items);
  };
  return source;
}

/** Stores a blob and returns its descriptor. */
export function addBlob(
  source: BenchSource,
  data: Uint8Array | string,
  mediaType: string,
): Descriptor {
  const bytes = typeof data === "string" ? _encoder.encode(data) : data;
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  source.blobs.set(digest, bytes);
  return { mediaType, digest, size: bytes.length };
}

/** A one-layer image (the layer declared, never read: the store sums declared sizes). */
export function addImage(source: BenchSource, i: number): Descriptor {
  const layer = {
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    digest: `sha256:${createHash("sha256").update(`layer ${i}`).digest("hex")}`,
    size: 1000 + i,
  };
  const config = addBlob(
    source,
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Cmd: ["/app", String(i)] },
      rootfs: { type: "layers", diff_ids: [layer.digest] },
    }),
    "application/vnd.oci.image.config.v1+json",
  );
  return addBlob(
    source,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config,
      layers: [layer],
    }),
    "application/vnd.oci.image.manifest.v1+json",
  );
}
