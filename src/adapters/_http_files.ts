/** The `Files` capability over `fetch`: a tree of static files served over HTTP (e.g. an OCI layout). */
import { NotFoundError, UnavailableError, UnsupportedError } from "../core/errors.ts";
import { checkRange, type Files, type FileStat, splitFilesPath } from "../core/files.ts";

/** Options of {@link httpFiles}. */
export interface HttpFilesOptions {
  /** The `fetch` to use (for tests, proxies or credentials); the global one when omitted. */
  readonly fetch?: typeof fetch;
}

/**
 * Reads files below a base URL with plain `GET` requests: ranges with a `Range` header (and a
 * fallback when the server ignores it), sizes with `HEAD`. Listing a directory is impossible over
 * HTTP and rejects with `UnsupportedError`.
 *
 * @param baseUrl The URL of the directory; a missing trailing `/` is added.
 * @param options The `fetch` to use.
 * @returns The files below `baseUrl`. Methods reject with `NotFoundError` for 404 or 410,
 *   `InvalidArgumentError` for a bad path, and `UnavailableError` for other failures.
 * @throws {TypeError} When `baseUrl` is not a valid URL.
 *
 * @example Read a file through a stand-in fetch
 * ```ts
 * import { httpFiles } from "@ocistore/ocistore/oci-layout";
 * import { assertEquals, assertRejects } from "@std/assert";
 *
 * const site: Record<string, string> = { "https://example.test/layout/oci-layout": "{}" };
 * const fetchStub = (input: RequestInfo | URL) =>
 *   Promise.resolve(
 *     site[String(input)] === undefined
 *       ? new Response("missing", { status: 404 })
 *       : new Response(site[String(input)]),
 *   );
 * const files = httpFiles("https://example.test/layout", { fetch: fetchStub as typeof fetch });
 * assertEquals(new TextDecoder().decode(await files.read("oci-layout")), "{}");
 * await assertRejects(() => files.read("index.json"));
 * ```
 */
export function httpFiles(baseUrl: string | URL, options: HttpFilesOptions = {}): Files {
  const base = new URL(String(baseUrl));
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));

  function urlOf(path: string): URL {
    return new URL(splitFilesPath(path).map(encodeURIComponent).join("/"), base);
  }

  async function request(path: string, init: RequestInit): Promise<Response> {
    const url = urlOf(path);
    let response: Response;
    try {
      response = await doFetch(url, init);
    } catch (error) {
      throw new UnavailableError(`Cannot fetch "${url}": ${(error as Error)?.message ?? error}`, {
        cause: error,
      });
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      throw new NotFoundError(
        `Cannot fetch "${url}": expected a file, found HTTP ${response.status}`,
      );
    }
    if (!response.ok && response.status !== 416) {
      await response.body?.cancel();
      throw new UnavailableError(
        `Cannot fetch "${url}": expected HTTP 200, found ${response.status} ${response.statusText}`,
      );
    }
    return response;
  }

  async function bytes(response: Response): Promise<Uint8Array> {
    try {
      return new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw new UnavailableError(`Cannot read "${response.url}": ${(error as Error)?.message}`, {
        cause: error,
      });
    }
  }

  return {
    async read(path: string): Promise<Uint8Array> {
      return await bytes(await request(path, {}));
    },
    async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
      checkRange({ offset, length });
      if (length === 0) {
        await (await request(path, { method: "HEAD" })).body?.cancel();
        return new Uint8Array(0);
      }
      const response = await request(path, {
        headers: { Range: `bytes=${offset}-${offset + length - 1}` },
      });
      if (response.status === 416) {
        await response.body?.cancel();
        return new Uint8Array(0);
      }
      const body = await bytes(response);
      // 206 starts at `offset`; a server that ignores Range answers 200 with the whole file.
      if (response.status === 206) return body.length > length ? body.subarray(0, length) : body;
      return body.slice(offset, offset + length);
    },
    async stat(path: string): Promise<FileStat> {
      const response = await request(path, { method: "HEAD" });
      await response.body?.cancel();
      const declared = response.headers.get("content-length");
      const size = declared !== null && /^\d+$/.test(declared)
        ? Number(declared)
        : (await bytes(await request(path, {}))).length;
      return { isFile: true, isDirectory: false, size };
    },
    // deno-lint-ignore require-await
    async list(path: string): Promise<string[]> {
      throw new UnsupportedError(`Cannot list "${urlOf(path)}": HTTP has no directory listing`);
    },
  };
}
