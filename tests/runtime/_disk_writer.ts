// A second process for the disk blob store test: writes the blobs named on the command line
// (`<digest>=<text repeated>` pairs, as JSON in OCISTORE_WRITER: [dir, rounds, ...pairs]) into the store directory, many times over, then exits.
import process from "node:process";
import { diskBlobStore } from "../../src/runtime/disk_blob_store.ts";

const [dir, count, ...pairs] = JSON.parse(process.env.OCISTORE_WRITER ?? "[]") as string[];
const store = diskBlobStore(dir);
for (let round = 0; round < Number(count); round++) {
  await Promise.all(pairs.map((pair) => {
    const [digest, text] = pair.split("=");
    return store.set(digest, new TextEncoder().encode(text.repeat(5000)));
  }));
}
process.exit(0);
