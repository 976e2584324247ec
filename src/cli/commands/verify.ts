/** `ocistore verify SOURCE`: re-hash every blob reachable from every image, on every platform. */
import { type ContentProvider, readBlobStream } from "../../core/content.ts";
import type { DigesterFactory } from "../../core/digester.ts";
import { parseDigest } from "../../core/digest.ts";
import { DocumentCache } from "../../core/document_cache.ts";
import { DigestMismatchError, OciStoreError } from "../../core/errors.ts";
import { isIndexType, isManifestType } from "../../core/media_types.ts";
import type { Descriptor } from "../../core/types.ts";
import { children, sortByPlatform } from "../../core/walk.ts";
import { formatPlatform } from "../../core/platform.ts";
import { printedName } from "../../core/normalize.ts";
import { SOURCE_FLAGS } from "../args.ts";
import type { Command } from "../command.ts";
import type { CommandContext } from "../context.ts";

/** One problem {@link _run} found: real damage, exit code 1. */
export interface VerifyProblem {
  /** `missing`, `mismatch` (size or digest) or `invalid` (a document that does not parse, a link out). */
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

/** A blob that is absent by design: another platform's (a single-platform export) or non-distributable. */
interface _Absent {
  readonly kind: "absent";
  readonly digest: string;
  readonly where: string;
  readonly why: string;
}

/** A blob to visit: where it was reached from, and the other platform it belongs to, if any. */
interface _Visit {
  readonly descriptor: Descriptor;
  readonly where: string;
  readonly otherPlatform?: string;
}

/**
 * Walks every entry of SOURCE (named or not: each is opened as `NAME@DIGEST` too) through the
 * index entries the platform needs, manifests, configs and layers, and re-hashes each distinct
 * blob once; then, without `--platform`, the entries of other platforms, whose absent blobs are
 * listed apart from damage (a single-platform export leaves them out), as are non-distributable
 * layers (absent by design). Prints one line per problem or absent blob and a summary;
 * `-o json` prints `{"images","references","blobs","problems","absent"}` instead.
 *
 * @param ctx The command context; one operand, SOURCE.
 * @returns 0 when every needed blob verified, 1 otherwise.
 * @throws {SourceError} When SOURCE cannot be opened.
 */
async function _run(ctx: CommandContext): Promise<number> {
  const opened = await ctx.open(ctx.operands[0], { everyEntry: true });
  const { source, platform } = opened;
  const explicit = ctx.options.platform !== undefined;
  // Entries by target: the names a user sees (not the NAME@DIGEST added to reach every entry).
  const images = new Map<string, { target: Descriptor; names: string[] }>();
  for (const record of await source.images.list()) {
    const entry = images.get(record.target.digest) ??
      { target: record.target, names: [] };
    images.set(record.target.digest, entry);
    const added = opened.baseName !== undefined && !ctx.options.digestRefs &&
      record.name === `${opened.baseName}@${record.target.digest}`;
    if (!added) entry.names.push(record.name);
  }
  const references = [...images.values()].reduce((n, image) => n + image.names.length, 0);
  const cache = new DocumentCache();
  const seen = new Set<string>();
  const problems: VerifyProblem[] = [];
  const absent: _Absent[] = [];
  const later: _Visit[] = [];
  const visit = async ({ descriptor, where, otherPlatform }: _Visit): Promise<void> => {
    if (seen.has(descriptor.digest)) return;
    seen.add(descriptor.digest);
    ctx.progress(`verifying blob ${seen.size}: ${descriptor.digest.slice(0, 19)}`);
    const problem = await _check(source.content, descriptor, where, ctx.io.digester);
    if (problem?.kind === "missing" && (otherPlatform || descriptor.urls?.length)) {
      const why = otherPlatform
        ? `needed only by ${otherPlatform}, not in this source`
        : `a non-distributable layer, fetched from ${descriptor.urls![0]}`;
      absent.push({ kind: "absent", digest: descriptor.digest, where, why });
      return;
    }
    if (problem) {
      problems.push(problem);
      return;
    }
    if (!isManifestType(descriptor.mediaType) && !isIndexType(descriptor.mediaType)) return;
    let next: Descriptor[];
    try {
      next = await children(source.content, descriptor, { cache, digester: ctx.io.digester });
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
    // In an index, only the manifest the store would pick is needed (containerd's images.Manifest).
    const needed = kind === "index" && !otherPlatform
      ? sortByPlatform(next.filter((d) => !d.platform || platform.match(d.platform)), platform)
        .slice(0, 1)
      : next;
    if (kind === "index" && !otherPlatform && needed.length === 0 && explicit) {
      problems.push({
        kind: "missing",
        digest: descriptor.digest,
        where,
        expected: `a manifest for ${ctx.options.platform}`,
        found: `only ${next.map((d) => d.platform ? formatPlatform(d.platform) : "?").join(", ")}`,
      });
    }
    for (const [i, child] of next.entries()) {
      const role = kind === "index"
        ? `entry ${i} of index ${short}`
        : i === 0
        ? `config of manifest ${short}`
        : `layer ${i} of manifest ${short}`;
      const item = { descriptor: child, where: `${role} in ${where.replace(/^.* in /, "")}` };
      if (needed.includes(child)) {
        await visit({ ...item, ...(otherPlatform ? { otherPlatform } : {}) });
      } else {
        later.push({
          ...item,
          otherPlatform: child.platform ? formatPlatform(child.platform) : "another platform",
        });
      }
    }
  };
  for (const { target, names } of images.values()) {
    // Named as `images` prints it (`bb:1` is `docker.io/library/bb:1`).
    const where = names.length > 0
      ? `image "${printedName(names[0]) ?? names[0]}"`
      : `untagged entry ${target.digest.slice(0, 19)}`;
    await visit({ descriptor: target, where });
  }
  // Other platforms last, so a blob they share with the needed ones counts as needed.
  if (!explicit) { while (later.length > 0) await visit(later.shift()!); }
  ctx.progress(undefined);
  const missing = problems.filter((p) => p.kind === "missing").length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const summary =
    `${plural(seen.size, "blob")} of ${plural(images.size, "image")} (${
      plural(references, "reference")
    }) checked: ` +
    (images.size === 0
      ? "the source lists no images"
      : problems.length === 0
      ? "all verified"
      : `${missing} missing, ${problems.length - missing} mismatching or invalid`) +
    (absent.length > 0
      ? `; ${absent.length} absent by design (other platforms or non-distributable)`
      : "");
  if (ctx.options.output === "json") {
    const document = {
      images: images.size,
      references,
      blobs: seen.size,
      problems,
      absent: absent.map(({ digest, where, why }) => ({ digest, where, why })),
    };
    ctx.io.stdout(JSON.stringify(document, null, 2) + "\n");
  } else {
    const lines = [
      ...problems.map((p) =>
        `${p.kind} ${p.digest} (${p.where}): expected ${p.expected}, found ${p.found}`
      ),
      ...absent.map((a) => `absent ${a.digest} (${a.where}): ${a.why}`),
    ];
    ctx.io.stdout([...lines, summary].map((line) => `${line}\n`).join(""));
  }
  return problems.length > 0 ? 1 : 0;
}

/** `ocistore verify SOURCE`. */
export const verify: Command = {
  name: "verify",
  usage: "SOURCE",
  summary: "re-hash the blobs of every entry (absent ones of other platforms apart)",
  help:
    `Re-hash every blob reachable from every image of SOURCE, on every platform: indexes, manifests,
configs and layers; every entry of index.json or manifest.json is checked, named or not. With
--platform, only what that platform needs; without, the host's needs are checked and blobs of
other platforms that are absent (a single-platform export) are listed apart from damage, as are
non-distributable layers. Prints one line per problem or absent blob, then a summary; the exit
code is 1 when damage was found.`,
  flags: ["quiet", "output", ...SOURCE_FLAGS],
  run: _run,
};

async function _check(
  content: ContentProvider,
  descriptor: Descriptor,
  where: string,
  digester: DigesterFactory | undefined,
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
    // Hash what is stored, whatever its size, so the report names the digest actually found.
    for await (const _ of await readBlobStream(content, { ...descriptor, size }, { digester }));
  } catch (error) {
    if (error instanceof DigestMismatchError) {
      const expected = `${descriptor.digest} (${descriptor.size} bytes)`;
      return problem("mismatch", expected, `${error.actual} (${size!} bytes)`);
    }
    if (!(error instanceof OciStoreError)) throw error;
    if (error.code === "NOT_FOUND") {
      return problem("missing", `${descriptor.size} bytes`, "no blob");
    }
    // A link out of the layout, an unreadable file: this blob is damaged, the run goes on.
    return problem("invalid", "a readable blob", error.message);
  }
  if (size !== descriptor.size) {
    const expected = `${descriptor.digest} (${descriptor.size} bytes)`;
    return problem("mismatch", expected, `${descriptor.digest} (${size} bytes)`);
  }
  return undefined;
}
