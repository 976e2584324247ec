/** The usage texts of the CLI: the overview and one page per command. */
import { TRANSPORTS } from "./transports.ts";

/** The CLI's version (the package version). */
export const VERSION = "0.1.0";

const _SOURCES = [...TRANSPORTS.values()].map((t) => `  ${t.usage}`).join("\n");

const _COMMON =
  `  --platform OS/ARCH[/VARIANT]  resolve images for this platform (default: the host)
  --base-name NAME   name tag-only layout/archive entries NAME:TAG (ctr import --base-name)
  --digest-refs      also name every layout/archive entry NAME@DIGEST (ctr import --digests)
  -o, --output FMT   table (default) or json
  --debug            print stack traces and causes of errors
  -h, --help         show this help`;

/** The help page of each command, and of the program (`""`). */
export const HELP: Readonly<Record<string, string>> = {
  "": `Usage: ocistore COMMAND [SOURCE] [ARGS] [FLAGS]

See the images of an OCI layout, an archive or a containerd root as crictl shows them on a node.

Commands:
  images [SOURCE]          list images (crictl images)
  inspect SOURCE IMAGE     show one image (crictl inspecti); IMAGE is a reference, ID or ID prefix
  resolve SOURCE REF       print the image ID a reference resolves to
  platforms SOURCE REF     list the platforms an image offers, with each one's ID and size
  verify SOURCE            re-hash every blob reachable from every image, on all platforms

SOURCE (skopeo's transport syntax; a bare path is detected: directory → layout, file → archive):
${_SOURCES}
Without SOURCE, images lists the example images shipped with ocistore.

Exit codes: 0 ok, 1 failure, 2 usage or bad input, 3 not found or ambiguous.
Run 'ocistore COMMAND --help' for the flags of a command. NO_COLOR turns colours off.
`,
  images: `Usage: ocistore images [SOURCE] [FLAGS]

List the images of SOURCE (default: the example images) as 'crictl images' does: one row per
repo tag, IMAGE ID truncated to 13 characters, SIZE as crictl prints it, <none> when untagged.
References that cannot be read are reported on stderr, one line each, and the exit code is 1.

Flags:
  -q, --quiet        only show image IDs
  --no-trunc         show full image IDs and digests
  --digests          show the DIGEST column
  --pinned           show the PINNED column
${_COMMON}
`,
  inspect: `Usage: ocistore inspect SOURCE IMAGE [FLAGS]

Show one image as 'crictl inspecti' does. IMAGE is a reference (normalized: busybox means
docker.io/library/busybox:latest), a full image ID, or a unique prefix of one.
-o json prints crictl's {"status":…,"info":{"chainID","imageSpec"}} document.
Exit code 3 when no image or more than one image matches.

Flags:
${_COMMON}
`,
  resolve: `Usage: ocistore resolve SOURCE REF [FLAGS]

Print the image ID REF resolves to for the platform (with -o json: the reference and the ID).
Exit code 3 when nothing matches.

Flags:
${_COMMON}
`,
  platforms: `Usage: ocistore platforms SOURCE REF [FLAGS]

List the platforms the image REF offers (attestations left out), with the image ID and size the
store reports for each.

Flags:
${_COMMON}
`,
  verify: `Usage: ocistore verify SOURCE [FLAGS]

Re-hash every blob reachable from every image of SOURCE, on every platform: indexes, manifests,
configs and layers. Prints one line per missing or mismatching blob, then a summary; the exit
code is 1 when a problem was found.

Flags:
${_COMMON}
`,
};

/** Which flags each command takes (long names, as `parseArgs` reports them). */
export const COMMAND_FLAGS: Readonly<Record<string, readonly string[]>> = {
  images: ["quiet", "no-trunc", "digests", "pinned"],
  inspect: [],
  resolve: [],
  platforms: [],
  verify: [],
};
