/** `ocistore verify SOURCE`: re-hash every blob reachable from every image, on every platform. */
import { type ContentProvider, readBlobStream } from "../../core/content.ts";
import { parseDigest } from "../../core/digest.ts";
import { DocumentCache } from "../../core/document_cache.ts";
import { DigestMismatchError, OciStoreError } from "../../core/errors.ts";
import { isIndexType, isManifestType } from "../../core/media_types.ts";
import type { Descriptor } from "../../core/types.ts";
import { children } from "../../core/walk.ts";
import { UsageError } from "../args.ts";
import type { CommandContext } from "../context.ts";

/** One problem {@link verifyCommand} found. */
export interface VerifyProblem {
  /** `missing`, `mismatch` (size or digest) or `invalid` (a document that does not parse). */
  readonly kind: "missing" | "mismatch" | "invalid";
  /** The blob's digest. */
  readonly digest: string;
  /** Where it was reached from: its role, parent and first image. */
  readonly where: string;
  /** What was expected. */
  readonly expected: string;
  /** What was found. */
  readonly found: string;
}

/**
 * Walks every image record of SOURCE through every index entry (all platforms), manifest, config
 * and layer, and re-hashes each distinct blob once. Prints one line per missing, mismatching or
 * unparsable blob (digest, where it was reached from, expected versus found) and a summary line;
 * `-o json` prints `{"images","blobs","problems":[…]}` instead.
 *
 * @param ctx The command context; one operand, SOURCE.
 * @returns 0 when every blob verified, 1 otherwise.
 * @throws {UsageError} Unless there is exactly one operand.
 * @throws {SourceError} When SOURCE cannot be opened.
 * @example
 * ```ts
 * import { createContext, parseArgs, verifyCommand } from "@ocistore/ocistore/cli";
 * import { assertEquals } from "@std/assert";
 * import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = await mkdtemp(join(tmpdir(), "layout-"));
 * await mkdir(join(dir, "blobs"));
 * await writeFile(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
 * const missing = { mediaType: "application/vnd.oci.image.manifest.v1+json", size: 2,
 *   digest: "sha256:" + "0".repeat(64), annotations: { "io.containerd.image.name": "example.com/a:1" } };
 * await writeFile(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [missing] }));
 * let out = "";
 * const { operands, options } = parseArgs(["verify", dir]);
 * const ctx = createContext(operands, options, { stdout: (t) => out += t, stderr: () => {} });
 * assertEquals(await verifyCommand(ctx), 1);
 * assertEquals(out.split("\n")[0].startsWith("missing sha256:000"), true);
 * ```
 */
export async function verifyCommand(ctx: CommandContext): Promise<number> {
  if (ctx.operands.length !== 1) throw new UsageError("verify takes one SOURCE", "verify");
  const { source } = await ctx.open(ctx.operands[0]);
  const records = await source.images.list();
  const cache = new DocumentCache();
  const seen = new Set<string>();
  const problems: VerifyProblem[] = [];
  const visit = async (descriptor: Descriptor, where: string): Promise<void> => {
    if (seen.has(descriptor.digest)) return;
    seen.add(descriptor.digest);
    ctx.progress(`verifying blob ${seen.size}: ${descriptor.digest.slice(0, 19)}`);
    const problem = await _check(source.content, descriptor, where);
    if (problem) {
      problems.push(problem);
      return;
    }
    if (!isManifestType(descriptor.mediaType) && !isIndexType(descriptor.mediaType)) return;
    let next: Descriptor[];
    try {
      next = await children(source.content, descriptor, { cache });
    } catch (error) {
      problems.push({
        kind: "invalid",
        digest: descriptor.digest,
        where,
        expected: `a valid ${isIndexType(descriptor.mediaType) ? "index" : "manifest"}`,
        found: (error as Error).message,
      });
      return;
    }
    const kind = isIndexType(descriptor.mediaType) ? "index" : "manifest";
    const short = descriptor.digest.slice(0, 19);
    for (const [i, child] of next.entries()) {
      const role = kind === "index"
        ? `entry ${i} of index ${short}`
        : i === 0
        ? `config of manifest ${short}`
        : `layer ${i} of manifest ${short}`;
      await visit(child, `${role} in ${where.replace(/^.* in /, "")}`);
    }
  };
  for (const record of records) await visit(record.target, `image "${record.name}"`);
  ctx.progress(undefined);
  const missing = problems.filter((p) => p.kind === "missing").length;
  const summary = `${seen.size} blobs of ${records.length} images checked: ` +
    (problems.length === 0
      ? "all verified"
      : `${missing} missing, ${problems.length - missing} mismatching or invalid`);
  if (ctx.options.output === "json") {
    const document = { images: records.length, blobs: seen.size, problems };
    ctx.io.stdout(JSON.stringify(document, null, 2) + "\n");
  } else {
    const lines = problems.map((p) =>
      `${p.kind} ${p.digest} (${p.where}): expected ${p.expected}, found ${p.found}`
    );
    ctx.io.stdout([...lines, summary].map((line) => `${line}\n`).join(""));
  }
  return problems.length > 0 ? 1 : 0;
}

async function _check(
  content: ContentProvider,
  descriptor: Descriptor,
  where: string,
): Promise<VerifyProblem | undefined> {
  const problem = (kind: VerifyProblem["kind"], expected: string, found: string) => ({
    kind,
    digest: descriptor.digest,
    where,
    expected,
    found,
  });
  try {
    parseDigest(descriptor.digest);
  } catch (error) {
    return problem("invalid", "a valid digest", (error as Error).message);
  }
  let size: number;
  try {
    size = (await content.info(descriptor.digest)).size;
  } catch (error) {
    if (error instanceof OciStoreError && error.code === "NOT_FOUND") {
      return problem("missing", `${descriptor.size} bytes`, "no blob");
    }
    throw error;
  }
  // Hash what is stored, whatever its size, so the report names the digest actually found.
  try {
    for await (const _ of await readBlobStream(content, { ...descriptor, size }));
  } catch (error) {
    if (!(error instanceof DigestMismatchError)) throw error;
    const expected = `${descriptor.digest} (${descriptor.size} bytes)`;
    return problem("mismatch", expected, `${error.actual} (${size} bytes)`);
  }
  if (size !== descriptor.size) {
    const expected = `${descriptor.digest} (${descriptor.size} bytes)`;
    return problem("mismatch", expected, `${descriptor.digest} (${size} bytes)`);
  }
  return undefined;
}
