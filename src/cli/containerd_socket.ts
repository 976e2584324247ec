/** `containerd:` sources for the CLI: the daemon's socket as ctr finds it, and what to warn about. */
import { stat } from "node:fs/promises";
import type { ImageSource } from "../core/content.ts";

/** The environment, as the CLI receives it. */
export type Env = Readonly<Record<string, string | undefined>>;

/** ctr's default socket. */
const _defaultSocket = "/run/containerd/containerd.sock";
// containerd's packaged root, whose daemon listens on ctr's default socket.
const _defaultRoot = "/var/lib/containerd";

/**
 * The socket a `containerd:unix://[PATH]` source names: PATH, else `$CONTAINERD_ADDRESS`, else
 * ctr's default, as `ctr -a` resolves it.
 *
 * @param location `unix://PATH`, or `unix://` alone.
 * @param env The environment.
 * @returns The socket path.
 * @example
 * ```ts
 * import { socketPath } from "./containerd_socket.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(socketPath("unix://", { CONTAINERD_ADDRESS: "/tmp/c.sock" }), "/tmp/c.sock");
 * assertEquals(socketPath("unix:///x.sock", {}), "/x.sock");
 * ```
 */
export function socketPath(location: string, env: Env): string {
  const path = location.replace(/^unix:\/\//, "");
  if (path !== "") return path;
  return (env.CONTAINERD_ADDRESS || _defaultSocket).replace(/^unix:\/\//, "");
}

/** The namespace: `?namespace=`, else `$CONTAINERD_NAMESPACE`, else the CRI's `k8s.io`. */
function _namespace(given: string | null, env: Env): string {
  return given ?? (env.CONTAINERD_NAMESPACE || "k8s.io");
}

/**
 * Opens a running containerd's images and content over its socket.
 *
 * @param location `unix://[PATH]`.
 * @param namespace The `?namespace=` given, if any.
 * @param env The environment.
 * @returns The source (close it to hang up).
 * @throws {NotFoundError} When there is no socket (the message names the path and `ctr -a`).
 * @throws {UnauthorizedError} When the socket is root's.
 * @example
 * ```ts
 * import { openContainerdSocket } from "./containerd_socket.ts";
 * import { NotFoundError } from "@ocistore/ocistore";
 * import { assertRejects } from "@std/assert";
 *
 * await assertRejects(() => openContainerdSocket("unix:///no.sock", null, {}), NotFoundError);
 * ```
 */
export async function openContainerdSocket(
  location: string,
  namespace: string | null,
  env: Env,
): Promise<ImageSource> {
  const [{ connectContainerd }, { openContainerdApi }] = await Promise.all([
    import("../runtime/containerd_grpc.ts"),
    import("../adapters/containerd_api.ts"),
  ]);
  const client = await connectContainerd(socketPath(location, env));
  return openContainerdApi(client, { namespace: _namespace(namespace, env) });
}

/**
 * What to say about an opened `containerd:` source: a namespace without images (and which hold
 * some), and, for a root whose daemon is running, that its socket is the reliable way.
 *
 * @param root The root directory, or `unix://[PATH]`.
 * @param namespace The `?namespace=` given, if any.
 * @param source The opened source.
 * @param env The environment.
 * @returns Warnings, one line each.
 * @example
 * ```ts
 * import { containerdWarnings } from "./containerd_socket.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const record = { name: "a:1", target: { mediaType: "", digest: "", size: 0 }, labels: {} };
 * const source = {
 *   content: { info: () => Promise.reject(), read: () => Promise.reject() },
 *   images: { list: () => Promise.resolve([record]), get: () => Promise.resolve(record) },
 * };
 * // A stopped root that holds images: nothing to say.
 * assertEquals(await containerdWarnings("/backup/containerd", null, source, {}), []);
 * ```
 */
export async function containerdWarnings(
  root: string,
  namespace: string | null,
  source: ImageSource,
  env: Env,
): Promise<string[]> {
  const warnings: string[] = [];
  const socket = root.startsWith("unix://");
  if (!socket) {
    // A root read behind a running daemon races its writer; its socket never does.
    const address = env.CONTAINERD_ADDRESS ||
      (root.replace(/\/+$/, "") === _defaultRoot ? _defaultSocket : undefined);
    const path = address?.replace(/^unix:\/\//, "");
    if (path && (await stat(path).catch(() => undefined))?.isSocket()) {
      warnings.push(
        `containerd is running on "${path}": reading its root races its writes; containerd:unix://${path} is the reliable way`,
      );
    }
  }
  const ns = socket ? _namespace(namespace, env) : namespace ?? "k8s.io";
  if ((await source.images.list()).length > 0) return warnings;
  let others: string[];
  if (socket) {
    const [{ connectContainerd }, { namespacesWithImagesApi }] = await Promise.all([
      import("../runtime/containerd_grpc.ts"),
      import("../adapters/containerd_api.ts"),
    ]);
    const client = await connectContainerd(socketPath(root, env));
    others = await namespacesWithImagesApi(client).catch(() => []).finally(() => client.close?.());
  } else {
    const { namespacesWithImages } = await import("../runtime/open_containerd.ts");
    others = await namespacesWithImages(root);
  }
  const where = socket ? `containerd at ${socketPath(root, env)}` : `"${root}"`;
  warnings.push(
    others.length === 0
      ? `containerd namespace "${ns}" has no images, nor does any other namespace of ${where}`
      : `containerd namespace "${ns}" has no images; ${others.map((n) => `"${n}"`).join(", ")} ${
        others.length === 1 ? "has" : "have"
      } some (containerd:${root}?namespace=${others[0]})`,
  );
  return warnings;
}
