/** Benchmark: SHA-256 throughput, one-shot WebCrypto versus the incremental digester. */
import { digestOf } from "../src/core/digest.ts";
import { createDigester } from "../src/core/digester.ts";

/** Runs the SHA-256 benchmark over 64 MiB. */
export async function run(): Promise<Record<string, unknown>> {
  const chunk = new Uint8Array(1024 * 1024).map((_, i) => i * 31);
  const chunks = 64;
  let started = performance.now();
  const digester = createDigester();
  for (let i = 0; i < chunks; i++) digester.update(chunk);
  digester.digest();
  const incrementalMs = performance.now() - started;
  const whole = new Uint8Array(chunk.byteLength * chunks);
  for (let i = 0; i < chunks; i++) whole.set(chunk, i * chunk.byteLength);
  started = performance.now();
  await digestOf(whole);
  const webCryptoMs = performance.now() - started;
  return {
    name: "sha256",
    mebibytes: chunks,
    incrementalMiBps: Math.round(chunks / (incrementalMs / 1000)),
    webCryptoMiBps: Math.round(chunks / (webCryptoMs / 1000)),
  };
}

if (import.meta.main) console.log(JSON.stringify(await run()));
