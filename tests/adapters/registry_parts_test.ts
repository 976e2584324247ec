// The registry source's small parsers: WWW-Authenticate challenges, Link paging, Retry-After,
// Warning, and the registry's error codes as typed errors.
import { assert, assertEquals } from "@std/assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "../harness.ts";
import { repoRoot } from "../fixtures.ts";
import { parseChallenges } from "../../src/adapters/registry/_challenge.ts";
import { nextLink } from "../../src/adapters/registry/_paging.ts";
import { retryAfterMs, warningTexts } from "../../src/adapters/registry/_client.ts";
import { errorForStatus, TooManyRequestsError } from "../../src/adapters/registry/_errors.ts";
import { isLoopbackHost } from "../../src/core/host_address.ts";
import {
  InvalidArgumentError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  wrapError,
} from "../../src/core/errors.ts";

test("registry parts: several challenges in one header, quoted parameters with commas and escapes", () => {
  assertEquals(
    parseChallenges(
      'Basic realm="basic, realm", Bearer realm="https://auth.example/token",service="registry.example",' +
        'scope="repository:a/b:pull,push", error="insufficient_scope", Custom abc==',
    ),
    [
      { scheme: "basic", params: { realm: "basic, realm" } },
      {
        scheme: "bearer",
        params: {
          realm: "https://auth.example/token",
          service: "registry.example",
          scope: "repository:a/b:pull,push",
          error: "insufficient_scope",
        },
      },
      { scheme: "custom", params: {} },
    ],
  );
  assertEquals(parseChallenges('Bearer realm="a\\"b", Service=x'), [
    { scheme: "bearer", params: { realm: 'a"b', service: "x" } },
  ]);
  assertEquals(parseChallenges(""), []);
});

test("registry parts: Link rel=next is found among others and resolved against the page", () => {
  const base = "http://127.0.0.1:5000/v2/a/tags/list?n=2";
  assertEquals(
    nextLink('<https://x/prev>; rel="prev", </v2/a/tags/list?n=2&last=b>; rel="next"', base),
    "http://127.0.0.1:5000/v2/a/tags/list?n=2&last=b",
  );
  assertEquals(
    nextLink("</v2/a/tags/list?last=c>; rel=next", base),
    "http://127.0.0.1:5000/v2/a/tags/list?last=c",
  );
  assertEquals(nextLink('<https://x/prev>; rel="prev"', base), undefined);
  assertEquals(nextLink(null, base), undefined);
});

test("registry parts: Retry-After in seconds or as a date; Warning texts unquoted", () => {
  assertEquals(retryAfterMs("3"), 3000);
  assertEquals(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6_000);
  assertEquals(retryAfterMs("soon"), undefined);
  assertEquals(retryAfterMs(null), undefined);
  assertEquals(
    warningTexts('299 - "first \\"one\\"", 299 registry.example "second"'),
    ['first "one"', "second"],
  );
});

test("registry parts: error codes become typed errors, the status decides without one", () => {
  const body = (code: string) => JSON.stringify({ errors: [{ code, message: "m" }] });
  assert(errorForStatus("x", 404, body("MANIFEST_UNKNOWN")) instanceof NotFoundError);
  assert(errorForStatus("x", 404, body("BLOB_UNKNOWN")) instanceof NotFoundError);
  assert(errorForStatus("x", 404, body("NAME_UNKNOWN")) instanceof NotFoundError);
  assert(errorForStatus("x", 401, body("UNAUTHORIZED")) instanceof UnauthorizedError);
  assert(errorForStatus("x", 403, body("DENIED")) instanceof UnauthorizedError);
  assert(errorForStatus("x", 400, body("NAME_INVALID")) instanceof InvalidArgumentError);
  const slow = errorForStatus("x", 429, body("TOOMANYREQUESTS"), 2500);
  assert(slow instanceof TooManyRequestsError && slow instanceof UnavailableError);
  assertEquals(slow.retryAfter, 3);
  assertEquals(errorForStatus("Cannot read", 404, "<html>").message, "Cannot read: HTTP 404");
  assert(errorForStatus("x", 502, "") instanceof UnavailableError);
  assertEquals((errorForStatus("x", 503, "", 1000) as UnavailableError).retryAfter, 1);
});

test("registry parts: a wrapped TooManyRequestsError is still one, its retryAfter in seconds like every error's", () => {
  const slow = new TooManyRequestsError("429 from registry", { retryAfter: 30 });
  const wrapped = wrapError(slow, "Cannot pull");
  assert(wrapped instanceof TooManyRequestsError);
  assertEquals([wrapped.message, wrapped.retryAfter], ["Cannot pull: 429 from registry", 30]);
  const plain = errorForStatus("x", 503, "", 30_000) as UnavailableError;
  assertEquals(plain.retryAfter, slow.retryAfter);
});

test("registry parts: errors carry the registry's code and the status; a not-found names what is missing", () => {
  const body = (code: string, message = "m") => JSON.stringify({ errors: [{ code, message }] });
  const denied = errorForStatus("x", 403, body("DENIED", "requested access is denied"));
  assertEquals([denied.registryCode, denied.status], ["DENIED", 403]);
  assertEquals(denied.message, "x: 403 DENIED (requested access is denied)");
  const subject = { repository: "127.0.0.1:5000/demo/app", ref: "nope" };
  assertEquals(
    errorForStatus("x", 404, body("MANIFEST_UNKNOWN"), undefined, subject).message,
    "x: tag nope not found in 127.0.0.1:5000/demo/app (MANIFEST_UNKNOWN)",
  );
  assertEquals(
    errorForStatus("x", 404, "", undefined, subject).message,
    "x: tag nope not found in 127.0.0.1:5000/demo/app",
  );
  const unknown = errorForStatus("x", 404, body("NAME_UNKNOWN"), undefined, subject);
  assertEquals(
    unknown.message,
    "x: repository 127.0.0.1:5000/demo/app not known to the registry (NAME_UNKNOWN)",
  );
  assertEquals((wrapError(unknown, "Cannot open") as NotFoundError).registryCode, "NAME_UNKNOWN");
  assertEquals(errorForStatus("x", 502, "").registryCode, undefined);
});

test("registry parts: loopback names", () => {
  assertEquals(
    [
      "localhost",
      "127.0.0.1",
      "127.3.2.1",
      "[::1]",
      "127.0.0.1:5000",
      "[::1]:5000",
      "10.0.0.1",
      "localhost.example",
      "example.com",
    ].map(isLoopbackHost),
    [true, true, true, true, true, true, false, false, false],
  );
});

test("registry parts: the entry only wires the modules (no request of its own), and the documents a GET-resolve fetched are kept in one DocumentCache", () => {
  const dir = join(repoRoot(), "src", "adapters", "registry");
  const read = (path: string) => readFileSync(path, "utf8");
  const entry = read(join(repoRoot(), "src", "adapters", "registry.ts"));
  assertEquals(entry.match(/\.(request|send)\(/g), null, "registry.ts sends no request itself");
  const keepers = readdirSync(dir).filter((name) =>
    /new DocumentCache\b|new Map<[^>]*Uint8Array/.test(read(join(dir, name)))
  );
  assertEquals(keepers, ["_repository.ts"]);
});
