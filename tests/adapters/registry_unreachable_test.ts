// A registry that cannot be reached says why on the error's one line, and the CLI exits 2 (a
// SOURCE that cannot be opened). Loopback only; the name that does not resolve is an injected fetch.
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { test } from "../harness.ts";
import { DOCKER_REPO, freePort, registryOf } from "./_registry.ts";
import { openRegistry } from "../../src/adapters/registry.ts";
import { explainFetchFailure } from "../../src/runtime/fetch_failure.ts";
import { UnavailableError, UnreachableError } from "../../src/core/errors.ts";
import { runCli as cli } from "../cli/_in_process.ts";

const once = { retries: 0 };

test("registry: a plain-http registry addressed over https says to use --plain-http; the CLI exits 2", async () => {
  const { host } = await registryOf("anonymous");
  const source = await openRegistry(`${host}/${DOCKER_REPO}`, { retry: once, explainFetchFailure });
  const error = await assertRejects(() => source.tags(), UnreachableError);
  assertEquals(error.unreachable, "PLAIN_HTTP");
  assertEquals(
    error.message,
    `Cannot list the tags of ${host}/${DOCKER_REPO}: the registry answered plain HTTP to an ` +
      "HTTPS request; use --plain-http (option plainHttp)",
  );
  const run = await cli(["images", `docker://${host}/${DOCKER_REPO}`, "--no-cache"]);
  assertEquals(run.code, 2);
  assertStringIncludes(run.stderr, "use --plain-http");
});

test("registry: a closed loopback port is 'connection refused'; the CLI exits 2", async () => {
  const host = `127.0.0.1:${await freePort()}`;
  const source = await openRegistry(`${host}/demo/app`, {
    plainHttp: true,
    retry: once,
    explainFetchFailure,
  });
  const error = await assertRejects(() => source.resolve("1.0"), UnreachableError);
  assertEquals(error.unreachable, "CONNECTION_REFUSED");
  assertEquals(
    error.message,
    `Cannot resolve "${host}/demo/app:1.0": connection refused by ${host}`,
  );
  const run = await cli(["images", `docker://${host}/demo/app`, "--plain-http", "--no-cache"]);
  assertEquals(run.code, 2);
  assertStringIncludes(run.stderr, `connection refused by ${host}`);
});

test("registry: a name that does not resolve says so, as each runtime's fetch reports it", async () => {
  const attempts: string[] = [];
  // Each runtime's shape of the failure: Node's undici, Deno's client, Bun's code.
  const failures: (() => Error)[] = [
    () =>
      new TypeError("fetch failed", {
        cause: Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.invalid"), {
          code: "ENOTFOUND",
        }),
      }),
    () =>
      new TypeError("fetch failed", {
        cause: new Error(
          "error sending request for url (https://nowhere.invalid/v2/): client error (Connect): " +
            "dns error: failed to lookup address information: Name or service not known",
        ),
      }),
    () => Object.assign(new TypeError("Unable to connect."), { code: "ENOTFOUND" }),
  ];
  for (const failure of failures) {
    const fetch = (input: string | URL | Request) => {
      attempts.push(String(input));
      return Promise.reject(failure());
    };
    const source = await openRegistry("nowhere.invalid/demo/app", {
      fetch,
      retry: once,
      explainFetchFailure,
    });
    const error = await assertRejects(() => source.tags(), UnreachableError);
    assertEquals(error.unreachable, "NAME_NOT_RESOLVED");
    assertEquals(
      error.message,
      "Cannot list the tags of nowhere.invalid/demo/app: the name nowhere.invalid does not resolve",
    );
  }
  assertEquals(attempts.length, 3);
  assert(attempts.every((url) => url.startsWith("https://nowhere.invalid/v2/")));
  // A failure the runtime does not explain keeps its words, and is not said to be unreachable.
  const odd = await openRegistry("nowhere.invalid/demo/app", {
    fetch: () => Promise.reject(new TypeError("Failed to fetch")),
    retry: once,
  });
  const error = await assertRejects(() => odd.tags(), UnavailableError);
  assert(!(error instanceof UnreachableError));
  assertEquals(error.message, "Cannot list the tags of nowhere.invalid/demo/app: Failed to fetch");
});
