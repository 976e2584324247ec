/**
 * Target 4: streaming verification of a 256 MiB blob (core's `readBlobStream`, with the runtime's
 * native digester handed in) against `node:crypto` SHA-256 over the same chunks, on this runtime.
 * The portable digester and WebCrypto's one-shot digest are reported beside them.
 */
import { createHash } from "node:crypto";
import { readBlobStream } from "../src/core/content.ts";
import { digestOf } from "../src/core/digest.ts";
import { createDigester } from "../src/core/digester.ts";
import { nodeDigester } from "../src/runtime/node_digester.ts";
import { atLeast, type Figure, info, median, skipped, timeMs } from "./_figure.ts";
import { addBlob, benchSource } from "./_memory_images.ts";

const _MIB = 1024 * 1024;
const _SIZE = 256 * _MIB;
const _CHUNK = 4 * _MIB;

/** Runs the SHA-256 benchmark. */
export async function run(): Promise<Figure[]> {
  const blob = new Uint8Array(_SIZE);
  for (let i = 0; i < _SIZE; i += 65536) blob[i] = i & 0xff;
  const source = benchSource();
  const descriptor = addBlob(source, blob, "application/octet-stream");
  const rate = (ms: number) => (_SIZE / _MIB) / (ms / 1000);

  const nativeRaw = () =>
    timeMs(() => {
      const hash = createHash("sha256");
      for (let at = 0; at < _SIZE; at += _CHUNK) hash.update(blob.subarray(at, at + _CHUNK));
      hash.digest("hex");
    });
  const verified = () =>
    timeMs(async () => {
      const stream = await readBlobStream(source.content, descriptor, { digester: nodeDigester });
      const reader = stream.getReader();
      while (!(await reader.read()).done);
    });
  const raw: number[] = [];
  const streamed: number[] = [];
  for (let i = 0; i < 3; i++) {
    raw.push(await nativeRaw());
    streamed.push(await verified());
  }
  const portableMs = await timeMs(() => {
    const digester = createDigester();
    for (let at = 0; at < 64 * _MIB; at += _CHUNK) digester.update(blob.subarray(at, at + _CHUNK));
    digester.digest();
  });
  const webCryptoMs = await timeMs(() => digestOf(blob));
  const ratio = median(raw) / median(streamed);
  return [
    info("sha256.node_crypto", rate(median(raw)), "MiB/s", "node:crypto over 4 MiB chunks"),
    info(
      "sha256.verified_stream",
      rate(median(streamed)),
      "MiB/s",
      "readBlobStream, native digester",
    ),
    atLeast("sha256.verified_vs_native", ratio, "ratio", 0.9, "256 MiB blob"),
    info("sha256.portable", 64 / (portableMs / 1000), "MiB/s", "@noble/hashes, the core's default"),
    info("sha256.webcrypto_oneshot", rate(webCryptoMs), "MiB/s"),
    skipped(
      "sha256.chromium_vs_webcrypto",
      "ratio",
      ">= 0.9",
      "runs in Chromium with the browser bundle (bench/bundle_bench.ts)",
    ),
  ];
}

if (import.meta.main) { for (const figure of await run()) console.log(JSON.stringify(figure)); }
