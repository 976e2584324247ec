/**
 * Listing a repository's tags: `tags/list` pages followed by `Link`, or, where a browser cannot
 * see `Link`, by asking for what follows the last tag (`?last=`) until a page brings nothing new.
 */
import { DEFAULT_DOCUMENT_LIMIT } from "../../core/documents.ts";
import { InvalidArgumentError } from "../../core/errors.ts";
import type { SignalOptions } from "../../core/content.ts";
import { readLimited } from "./_body.ts";
import { nextLink } from "./_paging.ts";
import type { Repository } from "./_repository.ts";

/** One page of tags: its tags, the next page's URL, and whether `Link` may have been hidden. */
interface _Page {
  readonly list: string[];
  readonly next?: string;
  readonly hidden: boolean;
}

/** Every tag of `repo`, following its pages, in the registry's order. */
export async function listTags(repo: Repository, own?: SignalOptions): Promise<string[]> {
  const { client, name, repository, pageSize } = repo;
  const signal = repo.signal(own?.signal);
  const what = `Cannot list the tags of ${repository}`;
  const seen = new Set<string>();
  const first = `${name}/tags/list${pageSize ? `?n=${pageSize}` : ""}`;
  let page: string | undefined = client.url(first);
  const visited = new Set<string>();
  while (page !== undefined) {
    if (visited.has(page)) throw new InvalidArgumentError(`${what}: Link pages loop at ${page}`);
    visited.add(page);
    const { list, next, hidden }: _Page = await client.request(
      {
        method: "GET",
        path: page,
        scope: repo.scope,
        what,
        signal,
        headers: { accept: "application/json" },
        subject: { repository },
      },
      async ({ response, url }) => {
        const bytes = await readLimited(response, DEFAULT_DOCUMENT_LIMIT, (found) => {
          throw new InvalidArgumentError(`${what}: a page of ${found} bytes is too large`);
        });
        let json: { tags?: unknown };
        try {
          json = JSON.parse(new TextDecoder().decode(bytes));
        } catch {
          throw new InvalidArgumentError(`${what}: expected JSON from ${url}`);
        }
        const list = json?.tags ?? [];
        if (!Array.isArray(list) || list.some((t) => typeof t !== "string")) {
          throw new InvalidArgumentError(`${what}: expected "tags" to be a list of strings`);
        }
        return {
          list: list as string[],
          next: nextLink(response.headers.get("link"), url),
          hidden: response.type === "cors",
        };
      },
    );
    const before = seen.size;
    for (const tag of list) seen.add(tag);
    if (next !== undefined) {
      page = next;
    } else if (hidden && list.length > 0 && seen.size > before) {
      if (pageSize && list.length < pageSize) break;
      // A browser cannot see Link unless the registry exposes it: ask for what follows the
      // last tag (`?last=`), and stop when a page brings nothing new.
      const url = new URL(client.url(`${name}/tags/list`));
      if (pageSize) url.searchParams.set("n", String(pageSize));
      url.searchParams.set("last", list[list.length - 1]);
      page = url.href;
    } else {
      page = undefined;
    }
  }
  return [...seen];
}
