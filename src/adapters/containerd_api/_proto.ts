/**
 * The protobuf messages ocistore exchanges with containerd's gRPC API, encoded and decoded by a
 * small wire codec of our own (varints, length-delimited fields; nothing else is used).
 *
 * Why hand-kept rather than generated: no generator is reachable here (protoc and its plugins
 * come as native binaries, protobufjs is not an allowed dependency), and the few messages we need
 * are a table of field numbers short enough to check by eye against the sources below.
 *
 * Field numbers and types are taken from containerd 1.6's
 * `api/services/images/v1/images.proto`, `api/services/content/v1/content.proto`,
 * `api/services/events/v1/events.proto`, `api/services/namespaces/v1/namespace.proto`,
 * `api/types/descriptor.proto`, `api/types/event.proto`
 * and `api/events/image.proto`:
 *
 *    Copyright The containerd Authors.
 *    Licensed under the Apache License, Version 2.0 (the "License");
 *    you may not use this file except in compliance with the License.
 *    You may obtain a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 *    Unless required by applicable law or agreed to in writing, software distributed under the
 *    License is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND,
 *    either express or implied. See the License for the specific language governing permissions
 *    and limitations under the License.
 */
import { InvalidArgumentError } from "../../core/errors.ts";
import type { Descriptor, ImageRecord } from "../../core/types.ts";

const _encoder = new TextEncoder();
const _decoder = new TextDecoder();

/** One field as read off the wire: a varint (as a bigint) or length-delimited bytes. */
export type ProtoField = { number: number; varint?: bigint; bytes?: Uint8Array };

/** Builds one message: fields appended in the order written. */
export class ProtoWriter {
  #parts: number[] = [];

  /** Appends an unsigned varint. */
  #varint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.#parts.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.#parts.push(Number(v));
  }

  /** A varint field (int64, bool, enum); zero is proto3's default and left out. */
  int(number: number, value: number | bigint): this {
    if (value === 0 || value === 0n) return this;
    this.#varint(BigInt(number << 3));
    this.#varint(BigInt(value));
    return this;
  }

  /** A length-delimited field (string, bytes, nested message); empty is left out. */
  bytes(number: number, value: string | Uint8Array): this {
    const data = typeof value === "string" ? _encoder.encode(value) : value;
    if (data.length === 0) return this;
    this.#varint(BigInt((number << 3) | 2));
    this.#varint(BigInt(data.length));
    for (const byte of data) this.#parts.push(byte);
    return this;
  }

  /** The encoded message. */
  finish(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }
}

/**
 * Every field of a message, in wire order (fixed32/fixed64 skipped: none of ours use them).
 *
 * @param data The message.
 * @param what What it is, for the error.
 * @returns Its fields.
 */
export function protoFields(data: Uint8Array, what: string): ProtoField[] {
  const fields: ProtoField[] = [];
  let at = 0;
  const fail = (): never => {
    throw new InvalidArgumentError(
      `Cannot decode containerd's ${what}: expected a protobuf message, found malformed bytes at offset ${at}`,
    );
  };
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (at >= data.length) fail();
      const byte = data[at++];
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
    return fail();
  };
  while (at < data.length) {
    const key = Number(varint());
    const number = key >>> 3;
    switch (key & 7) {
      case 0:
        fields.push({ number, varint: varint() });
        break;
      case 1:
        at += 8;
        break;
      case 2: {
        const length = Number(varint());
        if (at + length > data.length) fail();
        fields.push({ number, bytes: data.subarray(at, at + length) });
        at += length;
        break;
      }
      case 5:
        at += 4;
        break;
      default:
        fail();
    }
  }
  if (at !== data.length) fail();
  return fields;
}

const _string = (field: ProtoField) => field.bytes ? _decoder.decode(field.bytes) : "";
const _number = (field: ProtoField) => Number(BigInt.asIntN(64, field.varint ?? 0n));

/** A `map<string, string>` entry (key 1, value 2). */
function _entry(data: Uint8Array, into: Record<string, string>, what: string): void {
  let key = "";
  let value = "";
  for (const field of protoFields(data, what)) {
    if (field.number === 1) key = _string(field);
    else if (field.number === 2) value = _string(field);
  }
  into[key] = value;
}

/** `google.protobuf.Timestamp` (seconds 1, nanos 2) as RFC 3339 in UTC, nanoseconds kept. */
function _timestamp(data: Uint8Array): string {
  let seconds = 0;
  let nanos = 0;
  for (const field of protoFields(data, "timestamp")) {
    if (field.number === 1) seconds = _number(field);
    else if (field.number === 2) nanos = _number(field);
  }
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19);
  const fraction = nanos ? `.${String(nanos).padStart(9, "0").replace(/0+$/, "")}` : "";
  return `${whole}${fraction}Z`;
}

/** `containerd.types.Descriptor`: media_type 1, digest 2, size 3, annotations 5. */
function _descriptor(data: Uint8Array): Descriptor {
  let mediaType = "";
  let digest = "";
  let size = 0;
  let annotations: Record<string, string> | undefined;
  for (const field of protoFields(data, "descriptor")) {
    if (field.number === 1) mediaType = _string(field);
    else if (field.number === 2) digest = _string(field);
    else if (field.number === 3) size = _number(field);
    else if (field.number === 5 && field.bytes) {
      _entry(field.bytes, annotations ??= {}, "annotation");
    }
  }
  return { mediaType, digest, size, ...(annotations && { annotations }) };
}

/** `containerd.services.images.v1.Image`: name 1, labels 2, target 3, created_at 7, updated_at 8. */
function _image(data: Uint8Array): ImageRecord {
  let name = "";
  let target: Descriptor = { mediaType: "", digest: "", size: 0 };
  const labels: Record<string, string> = {};
  let createdAt: string | undefined;
  let updatedAt: string | undefined;
  for (const field of protoFields(data, "image")) {
    if (!field.bytes) continue;
    if (field.number === 1) name = _string(field);
    else if (field.number === 2) _entry(field.bytes, labels, "image label");
    else if (field.number === 3) target = _descriptor(field.bytes);
    else if (field.number === 7) createdAt = _timestamp(field.bytes);
    else if (field.number === 8) updatedAt = _timestamp(field.bytes);
  }
  return { name, target, labels, ...(createdAt && { createdAt }), ...(updatedAt && { updatedAt }) };
}

/**
 * `ListImagesRequest` (filters 1) or `SubscribeRequest` (filters 1): both are a list of filters.
 *
 * @param filters containerd filter expressions.
 * @returns The encoded request.
 */
export function encodeFilters(filters: readonly string[]): Uint8Array {
  const writer = new ProtoWriter();
  for (const filter of filters) writer.bytes(1, filter);
  return writer.finish();
}

/**
 * `GetImageRequest` (name 1) or `InfoRequest` (digest 1): one string in field 1.
 *
 * @param value The name or digest.
 * @returns The encoded request.
 */
export function encodeName(value: string): Uint8Array {
  return new ProtoWriter().bytes(1, value).finish();
}

/**
 * `ReadContentRequest`: digest 1, offset 2, size 3 (0 reads to the end).
 *
 * @param digest The blob.
 * @param offset Where to start.
 * @param size How many bytes; 0 for the rest.
 * @returns The encoded request.
 */
export function encodeRead(digest: string, offset: number, size: number): Uint8Array {
  return new ProtoWriter().bytes(1, digest).int(2, offset).int(3, size).finish();
}

/**
 * `ListImagesResponse` (images 1, repeated).
 *
 * @param data The response.
 * @returns The records in the daemon's order.
 */
export function decodeImages(data: Uint8Array): ImageRecord[] {
  return protoFields(data, "image list").filter((f) => f.number === 1 && f.bytes).map((f) =>
    _image(f.bytes!)
  );
}

/**
 * `GetImageResponse` (image 1).
 *
 * @param data The response.
 * @returns The record, or undefined when the response holds none.
 */
export function decodeImage(data: Uint8Array): ImageRecord | undefined {
  const field = protoFields(data, "image").find((f) => f.number === 1 && f.bytes);
  return field && _image(field.bytes!);
}

/**
 * `InfoResponse` (info 1: digest 1, size 2, labels 5).
 *
 * @param data The response.
 * @returns The blob's digest, size and labels.
 */
export function decodeInfo(
  data: Uint8Array,
): { digest: string; size: number; labels?: Record<string, string> } {
  const info = protoFields(data, "content info").find((f) => f.number === 1 && f.bytes)?.bytes ??
    new Uint8Array();
  let digest = "";
  let size = 0;
  let labels: Record<string, string> | undefined;
  for (const field of protoFields(info, "content info")) {
    if (field.number === 1) digest = _string(field);
    else if (field.number === 2) size = _number(field);
    else if (field.number === 5 && field.bytes) _entry(field.bytes, labels ??= {}, "blob label");
  }
  return { digest, size, ...(labels && { labels }) };
}

/**
 * `ReadContentResponse`: offset 1, data 2.
 *
 * @param data One message of the stream.
 * @returns The offset of the chunk and its bytes.
 */
export function decodeReadChunk(data: Uint8Array): { offset: number; data: Uint8Array } {
  let offset = 0;
  let bytes: Uint8Array = new Uint8Array();
  for (const field of protoFields(data, "content chunk")) {
    if (field.number === 1) offset = _number(field);
    else if (field.number === 2 && field.bytes) bytes = field.bytes;
  }
  return { offset, data: bytes };
}

/** An image event as the daemon publishes it. */
export interface ImageEvent {
  /** `/images/create`, `/images/update` or `/images/delete`. */
  readonly topic: string;
  /** The namespace it happened in. */
  readonly namespace: string;
  /** The image's name. */
  readonly name: string;
}

/**
 * `containerd.types.Envelope` (namespace 2, topic 3, event 4 as `google.protobuf.Any`: value 2),
 * whose event is an `ImageCreate`, `ImageUpdate` or `ImageDelete` (name 1 in all three).
 *
 * @param data One message of the Subscribe stream.
 * @returns The topic, namespace and image name.
 */
export function decodeEnvelope(data: Uint8Array): ImageEvent {
  let namespace = "";
  let topic = "";
  let name = "";
  for (const field of protoFields(data, "event envelope")) {
    if (field.number === 2) namespace = _string(field);
    else if (field.number === 3) topic = _string(field);
    else if (field.number === 4 && field.bytes) {
      const value = protoFields(field.bytes, "event").find((f) => f.number === 2 && f.bytes);
      const inner = value ? protoFields(value.bytes!, "image event") : [];
      name = _string(inner.find((f) => f.number === 1) ?? { number: 1 });
    }
  }
  return { topic, namespace, name };
}

/**
 * `ListNamespacesResponse` (namespaces 1, repeated `Namespace`: name 1).
 *
 * @param data The response.
 * @returns The namespace names in the daemon's order.
 */
export function decodeNamespaces(data: Uint8Array): string[] {
  return protoFields(data, "namespace list").filter((f) => f.number === 1 && f.bytes).map((f) =>
    _string(protoFields(f.bytes!, "namespace").find((n) => n.number === 1) ?? { number: 1 })
  );
}
