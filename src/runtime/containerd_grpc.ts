/**
 * containerd's gRPC socket as a {@link ContainerdApiClient}, over `@grpc/grpc-js` (Deno, Bun,
 * Node): hand it to `openContainerdApi` of `./containerd-api`.
 */
import { connect } from "node:net";
import { Buffer } from "node:buffer";
import type { ContainerdApiClient, ContainerdCallOptions } from "../adapters/containerd_api.ts";
import { NotFoundError, UnauthorizedError } from "../core/errors.ts";

export type { ContainerdApiClient } from "../adapters/containerd_api.ts";

/** ctr's default socket. */
export const DEFAULT_CONTAINERD_SOCKET = "/run/containerd/containerd.sock";

const _identity = (value: Uint8Array): Buffer =>
  Buffer.from(value.buffer, value.byteOffset, value.byteLength);
const _bytes = (value: Buffer): Uint8Array => new Uint8Array(value);

/**
 * Connects to containerd's socket. The socket is checked first, so a missing one or one only root
 * may open fails at once with a message that says so, rather than as a gRPC timeout.
 *
 * @param socket The socket path, or `unix://PATH` as ctr's `-a` takes it.
 * @returns The client (close it when done).
 * @throws {NotFoundError} When there is no socket at the path.
 * @throws {UnauthorizedError} When the socket may not be opened (it is root's).
 * @example No daemon at a path
 * ```ts
 * import { connectContainerd } from "@ocistore/ocistore/runtime";
 * import { NotFoundError } from "@ocistore/ocistore";
 * import { assertRejects } from "@std/assert";
 *
 * await assertRejects(() => connectContainerd("/no/such.sock"), NotFoundError, "ctr -a");
 * ```
 */
export async function connectContainerd(socket: string): Promise<ContainerdApiClient> {
  const path = socket.replace(/^unix:\/\//, "");
  // A connection, not `access()`: Deno's `access` ignores the group's bits, so it refused a
  // member of the socket's group that may connect.
  const error = await _probe(path);
  if (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new NotFoundError(
        `Cannot connect to containerd: expected its socket at "${path}", found none (is the daemon running? point elsewhere as with ctr -a, e.g. containerd:unix:///run/containerd/containerd.sock, or set CONTAINERD_ADDRESS)`,
        { cause: error },
      );
    }
    if (code === "EACCES" || code === "EPERM") {
      throw new UnauthorizedError(
        `Cannot connect to containerd at "${path}": permission denied (the socket is root's; run as root or as a member of its group)`,
        { cause: error },
      );
    }
    // Anything else (a socket no daemon listens on) is the gRPC client's to report.
  }
  // Loaded here, not at import: `./runtime` is imported for files and paths far more often.
  const grpc = await import("@grpc/grpc-js");
  const address = `unix://${path}`;
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 64 << 20,
  });
  const metadata = (options: ContainerdCallOptions) => {
    const m = new grpc.Metadata();
    if (options.namespace) m.set("containerd-namespace", options.namespace);
    return m;
  };
  return {
    address,
    unary(method, request, options) {
      return new Promise((resolve, reject) => {
        const call = client.makeUnaryRequest(
          method,
          _identity,
          _bytes,
          request,
          metadata(options),
          {},
          (error, value) => (error ? reject(error) : resolve(value!)),
        );
        options.signal?.addEventListener("abort", () => call.cancel(), { once: true });
      });
    },
    async *serverStream(method, request, options) {
      const call = client.makeServerStreamRequest(
        method,
        _identity,
        _bytes,
        request,
        metadata(options),
      );
      const cancel = () => call.cancel();
      options.signal?.addEventListener("abort", cancel, { once: true });
      try {
        for await (const message of call) yield message as Uint8Array;
      } finally {
        options.signal?.removeEventListener("abort", cancel);
        call.cancel();
      }
    },
    close: () => client.close(),
  };
}

/** Connects to `path` once and hangs up: `undefined`, or the error connecting gave. */
function _probe(path: string): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    socket.once("connect", () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once("error", resolve);
  });
}
