/** Shared by the containerd root and socket sources: why a blob an image names can be missing. */

/**
 * Appended to the NotFoundError for a blob containerd does not hold. The usual reasons: each
 * namespace holds its own blobs, and `ctr images import`, `ctr images pull` (and the CRI's pull)
 * keep only the blobs of the platforms asked for (the host's by default), so another platform's
 * config and layers of a multi-platform image are not there.
 *
 * @example
 * ```ts
 * import { MISSING_CONTENT_HINT } from "./_containerd_content.ts";
 * import { assertStringIncludes } from "@std/assert";
 *
 * assertStringIncludes(MISSING_CONTENT_HINT, "--all-platforms");
 * ```
 */
export const MISSING_CONTENT_HINT: string =
  "containerd holds a namespace's blobs only for the platforms an image was pulled or imported for " +
  "(the host's unless ctr was given --platform or --all-platforms)";
