import { assertEquals } from "@std/assert";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "./harness.ts";
import { repoRoot } from "./fixtures.ts";
import { sourceContract } from "./adapters/source_contract.ts";
import { openOciLayout } from "../src/runtime/open_oci_layout.ts";
import { buildExamples, EXAMPLE_NAMES } from "../scripts/build_examples.ts";

const examples = () => join(repoRoot(), "examples", "layout");
const APP = "sha256:6f0cc58bb6c317e39994053aa6f8e73beb0f560e95cf8269b4d61f796e59e983";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

sourceContract("example layout", () => openOciLayout(examples()), {
  images: [
    {
      name: EXAMPLE_NAMES[0],
      digest: "sha256:b816dbcdad22c934c7bc8d716e25e7a4baa5f1b0affb229e3cd13cbd40abafc5",
      mediaType: OCI_MANIFEST,
      size: 345,
    },
    { name: EXAMPLE_NAMES[1], digest: APP, mediaType: OCI_MANIFEST, size: 653 },
    { name: EXAMPLE_NAMES[2], digest: APP, mediaType: OCI_MANIFEST, size: 653 },
    {
      name: EXAMPLE_NAMES[3],
      digest: "sha256:11bb995b71a367af3b04f65a63b51fb32da37821eee333e0025ed49d294a72a8",
      mediaType: "application/vnd.oci.image.index.v1+json",
      size: 506,
    },
  ],
});

test("scripts/build_examples.ts regenerates the committed example layout byte for byte", () => {
  const out = join(mkdtempSync(join(tmpdir(), "examples-")), "layout");
  buildExamples(out);
  const listing = (dir: string) =>
    readdirSync(join(dir, "blobs/sha256")).sort().map((
      name,
    ) => [name, readFileSync(join(dir, "blobs/sha256", name)).length]);
  assertEquals(listing(out), listing(examples()));
  for (const file of ["index.json", "oci-layout"]) {
    assertEquals(
      readFileSync(join(out, file), "utf8"),
      readFileSync(join(examples(), file), "utf8"),
    );
  }
});
