/**
 * The contract every image source passes (containerd's content-store suite, in small): records in
 * order, lookups by name, NotFoundError for unknown names and blobs, whole/streamed/ranged reads
 * agreeing with each other and with the digests, and wrong bytes caught on every read path. Inputs are generic so any source can plug in.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { test } from "../harness.ts";
import type { ContentProvider, ImageSource } from "../../src/core/content.ts";
import { readBlob, readBlobRange, readBlobStream, readJson } from "../../src/core/content.ts";
import { digestOf } from "../../src/core/digest.ts";
import { DigestMismatchError, NotFoundError } from "../../src/core/errors.ts";
import type { Descriptor } from "../../src/core/types.ts";

/** What a source under test is expected to hold. */
export interface ContractExpectations {
  /** Every record, in list order: name, and target digest (media type and size when given). */
  readonly images: readonly {
    readonly name: string;
    readonly digest: string;
    readonly mediaType?: string;
    readonly size?: number;
  }[];
}

const ABSENT_DIGEST = `sha256:${"0".repeat(64)}`;

/**
 * Registers the contract tests for a source.
 *
 * @param name Names the source in test names, e.g. "OCI layout directory".
 * @param open Opens a fresh source (closed by each test when it has `close`).
 * @param expected What the source holds.
 */
export function sourceContract(
  name: string,
  open: () => Promise<ImageSource>,
  expected: ContractExpectations | (() => Promise<ContractExpectations>),
): void {
  const expectations = () =>
    typeof expected === "function" ? expected() : Promise.resolve(expected);
  const withSource =
    (fn: (source: ImageSource, want: ContractExpectations) => Promise<void>) => async () => {
      const want = await expectations();
      const source = await open();
      try {
        await fn(source, want);
      } finally {
        await source.close?.();
      }
    };

  test(
    `${name}: list() returns every record in order with its target`,
    withSource(async (source, want) => {
      const records = await source.images.list();
      assertEquals(records.map((r) => r.name), want.images.map((i) => i.name));
      for (const [i, image] of want.images.entries()) {
        assertEquals(records[i].target.digest, image.digest, image.name);
        if (image.mediaType) assertEquals(records[i].target.mediaType, image.mediaType);
        if (image.size !== undefined) assertEquals(records[i].target.size, image.size);
        assertEquals(typeof records[i].labels, "object");
      }
    }),
  );

  test(
    `${name}: get() finds each listed record by name`,
    withSource(async (source) => {
      for (const record of await source.images.list()) {
        assertEquals(await source.images.get(record.name), record);
      }
    }),
  );

  test(
    `${name}: get() rejects an unknown name with NotFoundError`,
    withSource(async (source) => {
      await assertRejects(() => source.images.get("example.invalid/none:missing"), NotFoundError);
    }),
  );

  test(
    `${name}: info(), whole, streamed and ranged reads reject an absent blob with NotFoundError`,
    withSource(async (source) => {
      const absent: Descriptor = {
        mediaType: "application/octet-stream",
        digest: ABSENT_DIGEST,
        size: 1,
      };
      await assertRejects(() => source.content.info(ABSENT_DIGEST), NotFoundError);
      await assertRejects(() => readBlob(source.content, absent), NotFoundError);
      await assertRejects(async () => {
        await new Response(await readBlobStream(source.content, absent)).arrayBuffer();
      }, NotFoundError);
      await assertRejects(
        () => readBlobRange(source.content, absent, { offset: 0, length: 1 }),
        NotFoundError,
      );
    }),
  );

  test(
    `${name}: every blob of every image reads the same whole, streamed and by range, and verifies`,
    withSource(async (source) => {
      const seen = new Set<string>();
      for (const descriptor of await _blobs(source)) {
        if (seen.has(descriptor.digest)) continue;
        seen.add(descriptor.digest);
        const info = await source.content.info(descriptor.digest);
        assertEquals(info.digest, descriptor.digest);
        assertEquals(info.size, descriptor.size, `info size of ${descriptor.digest}`);
        const whole = await readBlob(source.content, descriptor);
        assertEquals(await digestOf(whole), descriptor.digest);
        const streamed = new Uint8Array(
          await new Response(await readBlobStream(source.content, descriptor)).arrayBuffer(),
        );
        assertEquals(streamed, whole);
        const ranged = new Uint8Array(
          await new Response(await readBlobStream(_rangedOnly(source.content), descriptor))
            .arrayBuffer(),
        );
        assertEquals(ranged, whole);
        const middle = Math.floor(whole.length / 3);
        assertEquals(
          await readBlobRange(source.content, descriptor, { offset: middle, length: 7 }),
          whole.slice(middle, middle + 7),
        );
        const tail = Math.max(0, whole.length - 2);
        assertEquals(
          (await readBlobRange(source.content, descriptor, { offset: tail, length: 10 })).length,
          Math.min(2, whole.length),
        );
      }
      assert(seen.size > 0, "the source holds at least one blob");
    }),
  );

  test(
    `${name}: wrong bytes from the provider fail every read path with DigestMismatchError`,
    withSource(async (source) => {
      const [descriptor] = (await _blobs(source)).filter((d) => d.size > 0);
      const corrupt = _corrupting(source.content);
      await assertRejects(() => readBlob(corrupt, descriptor), DigestMismatchError);
      await assertRejects(
        async () => await new Response(await readBlobStream(corrupt, descriptor)).arrayBuffer(),
        DigestMismatchError,
      );
      await assertRejects(
        async () =>
          await new Response(await readBlobStream(_rangedOnly(corrupt), descriptor)).arrayBuffer(),
        DigestMismatchError,
      );
      const padded: ContentProvider = {
        info: (digest) => source.content.info(digest),
        read: async (d, options) => new Uint8Array([...await source.content.read(d, options), 0]),
      };
      await assertRejects(
        () => readBlobRange(padded, descriptor, { offset: 0, length: 1 }),
        DigestMismatchError,
      );
      await assertRejects(() => readJson(padded, descriptor), DigestMismatchError);
    }),
  );
}

/** Every blob reachable from every image record, records' targets first. */
async function _blobs(source: ImageSource): Promise<Descriptor[]> {
  const found: Descriptor[] = [];
  for (const record of await source.images.list()) {
    found.push(...await _reachable(source, record.target));
  }
  return found;
}

/** The provider without its own `stream()`, so the core streams through ranged reads. */
function _rangedOnly(content: ContentProvider): ContentProvider {
  return {
    info: (digest, options) => content.info(digest, options),
    read: (descriptor, options) => content.read(descriptor, options),
  };
}

/** The provider with the first byte of every read and every streamed chunk flipped. */
function _corrupting(content: ContentProvider): ContentProvider {
  const flip = (bytes: Uint8Array) => {
    const copy = bytes.slice();
    if (copy.length > 0) copy[0] ^= 0xff;
    return copy;
  };
  return {
    info: (digest, options) => content.info(digest, options),
    read: async (descriptor, options) => flip(await content.read(descriptor, options)),
    stream: async (descriptor, options) => {
      const raw = content.stream
        ? await content.stream(descriptor, options)
        : new Blob([await content.read(descriptor, options) as Uint8Array<ArrayBuffer>]).stream();
      return raw.pipeThrough(new TransformStream({ transform: (c, ctl) => ctl.enqueue(flip(c)) }));
    },
  };
}

/** The target and every index, manifest, config and layer below it that the source holds. */
async function _reachable(source: ImageSource, target: Descriptor): Promise<Descriptor[]> {
  const found: Descriptor[] = [target];
  const isDocument = /manifest|index/.test(target.mediaType);
  if (!isDocument) return found;
  const document = JSON.parse(new TextDecoder().decode(await readBlob(source.content, target)));
  const children: Descriptor[] = [
    ...(document.manifests ?? []),
    ...(document.config ? [document.config] : []),
    ...(document.layers ?? []),
  ];
  for (const child of children) found.push(...await _reachable(source, child));
  return found;
}
