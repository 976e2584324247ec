/** `ocistore serve`: the built explorer and the registry proxy on one loopback origin. */
import { UsageError } from "../args.ts";
import type { Command } from "../command.ts";
import type { CommandContext } from "../context.ts";

/** `HOST:PORT` (`[::1]:8080` for IPv6) into its parts. */
function _listenAddress(text: string): { hostname: string; port: number } {
  const match = text.match(/^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/);
  const port = Number(match?.[2]);
  if (!match || port > 65535) {
    throw new UsageError(`--listen takes HOST:PORT (127.0.0.1:8080), found "${text}"`, "serve");
  }
  return { hostname: match[1].replace(/^\[|\]$/g, ""), port };
}

/** The built explorer: in the npm package beside the code, or the source tree's build. */
async function _explorerDir(): Promise<string | undefined> {
  const { existsSync } = await import("node:fs");
  const { fileURLToPath } = await import("node:url");
  const candidates = ["../../../explorer/", "../../../.cache/explorer/"].map((rel) =>
    fileURLToPath(new URL(rel, import.meta.url))
  );
  return candidates.find((dir) => existsSync(`${dir}index.html`));
}

async function _run(ctx: CommandContext): Promise<number> {
  const { hostname, port } = _listenAddress(ctx.options.listen ?? "127.0.0.1:0");
  const allowed = (ctx.options.allowRegistry ?? "").split(",").map((h) => h.trim()).filter(Boolean);
  const [
    { registryProxy },
    { serveHandler },
    { serveFiles },
    { pinnedFetch },
    { findExampleLayout },
    { lookup },
  ] = await Promise.all([
    import("../../proxy/mod.ts"),
    import("../../runtime/serve_handler.ts"),
    import("../../runtime/serve_files.ts"),
    import("../../runtime/pinned_fetch.ts"),
    import("../examples.ts"),
    import("node:dns/promises"),
  ]);
  const dir = await _explorerDir();
  const explorer = dir ? serveFiles(dir) : undefined;
  // The example images, where they are shipped: the empty page offers them at /layout/.
  const layout = await findExampleLayout();
  const examples = layout ? serveFiles(layout) : undefined;
  const proxy = registryProxy({
    fetch: globalThis.fetch,
    // Each hop connects to the address the proxy checked (no second lookup to rebind).
    pinnedFetch,
    resolve: async (name) => (await lookup(name, { all: true })).map((a) => a.address),
    allowPrivate: allowed,
  });
  const served = await serveHandler((request) => {
    const path = new URL(request.url).pathname;
    if (path.startsWith("/_registry/") || path.startsWith("/_token/")) return proxy(request);
    if (examples && path.startsWith("/layout/")) {
      return examples(request, path.slice("/layout".length));
    }
    if (explorer) return explorer(request, path);
    return Promise.resolve(
      new Response("no built explorer here (deno task build:explorer); the proxy works\n", {
        status: 404,
      }),
    );
  }, { hostname, port });
  ctx.io.stdout(`${served.url}\n`);
  if (!dir) {
    ctx.io.stderr("no built explorer found (deno task build:explorer): serving the proxy only\n");
  }
  if (ctx.options.open) {
    const opener = ctx.io.openUrl ?? (await import("../../runtime/open_url.ts")).openUrl;
    // The server is up either way; a host with no opener gets told, and the URL above still works.
    await opener(served.url).catch((error: Error) => ctx.warn(error.message));
  }
  ctx.io.stderr(
    `serving the explorer and the registry proxy${
      allowed.length ? `; allowed beyond the public registries: ${allowed.join(", ")}` : ""
    } (Ctrl-C stops)\n`,
  );
  // The listening socket keeps the process alive until it is stopped (bin.ts sets exitCode,
  // it does not exit).
  return 0;
}

/** `ocistore serve`. */
export const serve: Command = {
  name: "serve",
  usage: "",
  summary: "serve the image explorer and a registry proxy on a loopback address",
  help: `Serve the image explorer and, on the same origin, a proxy for registries that send no CORS
headers (the page still verifies every byte). The first line printed is the URL. Only public
registries are reachable; name a loopback or private one with --allow-registry HOST[:PORT],…
(then over plain HTTP). --open opens the URL in the host's browser.`,
  flags: ["listen", "allowRegistry", "open"],
  run: _run,
};
