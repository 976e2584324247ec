/** `ocistore watch SOURCE`: follows a running containerd and prints each change of its images. */
import { UsageError } from "../args.ts";
import type { Command } from "../command.ts";
import type { CommandContext } from "../context.ts";
import { parseSource, SourceError } from "../transports.ts";
import { OciStoreError } from "../../core/errors.ts";
import { ImageStore } from "../../core/image_store.ts";
import { socketPath } from "../containerd_socket.ts";

/**
 * Syncs a store over the daemon's socket, then follows its image events until Ctrl-C, printing
 * `{"reference","previous","current"}` (image IDs, `null` when absent) for each change.
 *
 * @param ctx The command context; one operand, a `containerd:unix://` SOURCE.
 * @returns 0 when interrupted.
 * @throws {UsageError} For any other SOURCE.
 * @throws {SourceError} When the daemon cannot be reached.
 */
async function _run(ctx: CommandContext): Promise<number> {
  const { operands, io } = ctx;
  const spec = operands.length === 1 ? parseSource(operands[0]) : undefined;
  const [location, query] = spec?.location.split("?") ?? [];
  if (spec?.transport !== "containerd" || !location.startsWith("unix://")) {
    throw new UsageError(
      "watch takes one SOURCE: containerd:unix://SOCKET[?namespace=NS]",
      "watch",
    );
  }
  const env = io.env ?? {};
  const namespace = new URLSearchParams(query).get("namespace") ??
    (env.CONTAINERD_NAMESPACE || "k8s.io");
  const [{ connectContainerd }, { followContainerd, openContainerdApi }] = await Promise.all([
    import("../../runtime/containerd_grpc.ts"),
    import("../../adapters/containerd_api.ts"),
  ]);
  const signal = io.interrupt?.() ?? new AbortController().signal;
  let client;
  try {
    client = await connectContainerd(socketPath(location, env));
  } catch (error) {
    if (error instanceof OciStoreError) throw new SourceError(error.message, { cause: error });
    throw error;
  }
  try {
    const store = new ImageStore(openContainerdApi(client, { namespace }), {
      ...(io.host && { host: io.host }),
      ...(io.digester && { digester: io.digester }),
    });
    for (const { error } of (await store.sync()).failures) ctx.warn(error.message);
    store.onChange((change) =>
      io.stdout(
        `${
          JSON.stringify({
            reference: change.reference,
            previous: change.oldId ?? null,
            current: change.newId ?? null,
          })
        }\n`,
      )
    );
    await followContainerd(client, store, {
      namespace,
      signal,
      onReconnect: (attempt) => ctx.warn(`containerd came back; re-synced (attempt ${attempt})`),
    });
    return 0;
  } finally {
    client.close?.();
  }
}

/** `ocistore watch SOURCE`. */
export const watch: Command = {
  name: "watch",
  usage: "containerd:unix://SOCKET[?namespace=NS]",
  summary: "follow a running containerd's images, one JSON line per change",
  help:
    `Follow a running containerd over its socket as the CRI does: list its images once, then apply
each image event (create, update, delete) in order and print one JSON line per change,
{"reference","previous","current"} with image IDs or null. Reconnects when the daemon restarts.
Runs until Ctrl-C.`,
  flags: [],
  run: _run,
};
