/** containerd's image records as its metadata store keeps them in bbolt (`readImage`). */
import { InvalidArgumentError } from "../../core/errors.ts";
import type { ImageRecord } from "../../core/content.ts";
import type { Descriptor } from "../../core/types.ts";
import type { BoltBucket } from "./_bbolt.ts";

const _decoder = new TextDecoder();
// Seconds from Go's zero time (January 1, year 1, UTC) to the Unix epoch.
const _goEpochToUnix = 62135596800n;

/**
 * The string map stored in a labels or annotations bucket.
 *
 * @param bucket The bucket, when there is one.
 * @returns Its keys and values as strings; undefined without a bucket.
 */
export function strings(bucket: BoltBucket | undefined): Record<string, string> | undefined {
  if (!bucket) return undefined;
  const map: Record<string, string> = {};
  for (const { key, value } of bucket.entries()) {
    if (value) map[_decoder.decode(key)] = _decoder.decode(value);
  }
  return map;
}

/**
 * An image bucket as containerd's `readImage` decodes it.
 *
 * @param name The image name (the bucket's key).
 * @param bucket The image bucket.
 * @param namespace The namespace, for messages.
 * @returns The record.
 * @throws {InvalidArgumentError} When the bucket has no target or a malformed size or time.
 */
export function imageRecord(name: string, bucket: BoltBucket, namespace: string): ImageRecord {
  const fail = (problem: string): never => {
    throw new InvalidArgumentError(
      `Cannot read image "${name}" in containerd namespace "${namespace}": ${problem}`,
    );
  };
  const target = bucket.bucket("target") ?? fail("expected a target bucket, found none");
  const digest = target.get("digest");
  const mediaType = target.get("mediatype");
  const size = target.get("size");
  const annotations = strings(bucket.bucket("annotations"));
  const descriptor: Descriptor = {
    mediaType: mediaType ? _decoder.decode(mediaType) : "",
    digest: digest ? _decoder.decode(digest) : "",
    size: size ? _varint(size) ?? fail("expected a varint size, found malformed bytes") : 0,
    ...(annotations && { annotations }),
  };
  const createdAt = _time(bucket.get("createdat"), fail);
  const updatedAt = _time(bucket.get("updatedat"), fail);
  return {
    name,
    target: descriptor,
    labels: strings(bucket.bucket("labels")) ?? {},
    ...(createdAt && { createdAt }),
    ...(updatedAt && { updatedAt }),
  };
}

/** Go's `binary.Varint`: a zig-zag signed LEB128; undefined when malformed or out of range. */
function _varint(bytes: Uint8Array): number | undefined {
  let value = 0n;
  for (let i = 0; i < bytes.length && i < 10; i++) {
    value |= BigInt(bytes[i] & 0x7f) << BigInt(7 * i);
    if (bytes[i] < 0x80) {
      const signed = (value >> 1n) ^ -(value & 1n);
      return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(signed)
        : undefined;
    }
  }
  return undefined;
}

/** Go's `time.Time.MarshalBinary` bytes as RFC 3339 in UTC, nanoseconds kept. */
function _time(
  bytes: Uint8Array | undefined,
  fail: (problem: string) => never,
): string | undefined {
  if (!bytes) return undefined;
  const version = bytes[0];
  if (!((version === 1 && bytes.length === 15) || (version === 2 && bytes.length === 16))) {
    return fail(`expected a binary Go time of version 1 or 2, found ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const seconds = view.getBigInt64(1, false) - _goEpochToUnix;
  const nanos = view.getInt32(9, false);
  const iso = new Date(Number(seconds) * 1000).toISOString().replace(/\.\d+Z$/, "");
  const fraction = nanos === 0 ? "" : `.${String(nanos).padStart(9, "0").replace(/0+$/, "")}`;
  return `${iso}${fraction}Z`;
}
