/** Runs every benchmark and prints one JSON document (`deno task bench`). */
import { run as digestSet } from "./digest_set_bench.ts";
import { run as sha256 } from "./sha256_bench.ts";
import { run as store } from "./store_bench.ts";

const results = [];
for (const bench of [digestSet, store, sha256]) results.push(await bench());
console.log(JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
