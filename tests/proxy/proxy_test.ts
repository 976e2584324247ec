// The registry proxy, on loopback with real parts: Debian's docker-registry sending no CORS
// headers (anonymous, htpasswd, token auth whose issuer is on another port) read through the
// proxy by the registry source, which verifies every byte. Hostile requests are refused before
// any connection, proved with a fetch and resolver that record attempts and connect nowhere.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { test } from "../harness.ts";
import { registryProxy, type RegistryProxyOptions } from "../../src/proxy/mod.ts";
import { openRegistry } from "../../src/adapters/registry.ts";
import { ImageStore } from "../../src/core/image_store.ts";
import type { ImageSource } from "../../src/core/content.ts";
import { only } from "../../src/core/platform_matcher.ts";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  closeServer,
  DOCKER_REPO,
  listen,
  registryOf,
  sharedRegistry,
  startRegistry,
  USER,
} from "../adapters/_registry.ts";
import { byDigest, countingFetch } from "../adapters/_registry_tools.ts";

/** The proxy's own origin: requests are handed to the handler in-process, never sent. */
const OWN = "http://127.0.0.1:1";

/** A fetch and resolver that record what would have been contacted and connect nowhere. */
function nowhere(answers: Record<string, Response | (() => Response)> = {}) {
  const attempts: string[] = [];
  const resolved: string[] = [];
  const dns: Record<string, string[]> = {
    "ghcr.io": ["140.82.112.34"],
    "pkg-containers.githubusercontent.com": ["185.199.108.154"],
    "evil.pkg.dev": ["169.254.169.254"],
    "internal.pkg.dev": ["10.0.0.7"],
  };
  const options: RegistryProxyOptions = {
    fetch: (input) => {
      const url = String(input instanceof Request ? input.url : input);
      attempts.push(url);
      const answer = answers[url];
      if (!answer) return Promise.resolve(new Response("unexpected", { status: 599 }));
      return Promise.resolve(typeof answer === "function" ? answer() : answer);
    },
    resolve: (name) => {
      resolved.push(name);
      return Promise.resolve(dns[name] ?? []);
    },
  };
  return { options, attempts, resolved };
}

function get(path: string, init: RequestInit = {}): Request {
  return new Request(`${OWN}${path}`, init);
}

const hostile: [string, Request, number, RegExp][] = [
  [
    "a path outside the API",
    get("/_registry/ghcr.io/v2/_catalog"),
    403,
    /only the distribution API/,
  ],
  [
    "a path climbing out",
    get("/_registry/ghcr.io/v2/a/../../admin"),
    403,
    /only the distribution API/,
  ],
  ["an upload", get("/_registry/ghcr.io/v2/a/b/blobs/uploads/"), 403, /only the distribution API/],
  [
    "a PUT",
    get("/_registry/ghcr.io/v2/a/manifests/1", { method: "PUT", body: "{}" }),
    403,
    /only GET and HEAD/,
  ],
  [
    "a DELETE",
    get("/_registry/ghcr.io/v2/a/manifests/1", { method: "DELETE" }),
    403,
    /only GET and HEAD/,
  ],
  [
    "a registry not on the list",
    get("/_registry/evil.example/v2/"),
    403,
    /not on the proxy's allow-list/,
  ],
  [
    "a loopback registry not allowed",
    get("/_registry/127.0.0.1:5000/v2/"),
    403,
    /not on the proxy's allow-list/,
  ],
  [
    "a foreign token realm",
    get(`/_token/ghcr.io/${encodeURIComponent("https://evil.example/token")}?scope=x`),
    403,
    /realm must be on the registry's own site/,
  ],
  [
    "another site's page",
    get("/_registry/ghcr.io/v2/", { headers: { origin: "https://evil.example" } }),
    403,
    /only http:\/\/127\.0\.0\.1:1 may use this proxy/,
  ],
  [
    "a cross-site fetch without Origin",
    get("/_registry/ghcr.io/v2/", { headers: { "sec-fetch-site": "cross-site" } }),
    403,
    /may use this proxy/,
  ],
  [
    "a name resolving to metadata",
    get("/_registry/evil.pkg.dev/v2/"),
    502,
    /169\.254\.169\.254/,
  ],
  ["a name resolving privately", get("/_registry/internal.pkg.dev/v2/"), 502, /10\.0\.0\.7/],
  [
    "a token route for a registry not on the list",
    get(`/_token/evil.example/${encodeURIComponent("https://evil.example/token")}`),
    403,
    /not on the proxy's allow-list/,
  ],
];

for (const [name, request, status, message] of hostile) {
  test(`proxy: refuses ${name} with no upstream connection`, async () => {
    const { options, attempts } = nowhere();
    const response = await registryProxy(options)(request);
    assertEquals(response.status, status);
    assertMatch(await response.text(), message);
    assertEquals(attempts, []);
    assertEquals(response.headers.get("access-control-allow-credentials"), null);
  });
}

const redirects: [string, string, RegExp][] = [
  ["to plain http", "http://pkg-containers.githubusercontent.com/blob", /expected https/],
  ["to a userinfo URL", "https://user:pw@pkg-containers.githubusercontent.com/blob", /user info/],
  ["to the metadata address", "https://169.254.169.254/latest/meta-data/", /169\.254\.169\.254/],
  ["to a private address", "https://10.1.2.3/blob", /10\.1\.2\.3/],
  ["to an IPv6-mapped loopback", "https://[::ffff:127.0.0.1]/blob", /private, loopback/],
  ["to localhost", "https://localhost/blob", /private, loopback/],
  ["to IPv6 loopback", "https://[::1]:5000/blob", /private, loopback/],
  ["to a name resolving privately", "https://internal.pkg.dev/blob", /10\.0\.0\.7/],
];

const BLOB = "/v2/owner/app/blobs/sha256:" + "a".repeat(64);

for (const [name, location, message] of redirects) {
  test(`proxy: refuses a redirect ${name} before connecting to it`, async () => {
    const { options, attempts } = nowhere({
      [`https://ghcr.io${BLOB}`]: () => new Response(null, { status: 307, headers: { location } }),
    });
    const response = await registryProxy(options)(get(`/_registry/ghcr.io${BLOB}`));
    assertEquals(response.status, 502);
    assertMatch(await response.text(), message);
    assertEquals(attempts, [`https://ghcr.io${BLOB}`]);
  });
}

test("proxy: an allowed local registry's realm may be on its hostname, not on another address", async () => {
  const { options, attempts } = nowhere();
  const proxy = registryProxy({ ...options, allowPrivate: ["127.0.0.1:5000"] });
  for (const realm of ["http://10.0.0.1/token", "http://127.0.0.2:5001/token"]) {
    const response = await proxy(get(`/_token/127.0.0.1:5000/${encodeURIComponent(realm)}`));
    assertEquals(response.status, 403);
    assertMatch(await response.text(), /realm must be on the registry's own site/);
  }
  assertEquals(attempts, []);
});

test("proxy: with pinnedFetch each hop connects to the address it checked, so a rebound name is never reached", async () => {
  // The name answers a public address once, then loopback (a rebinding DNS server).
  const answers = [["140.82.112.34"], ["127.0.0.1"]];
  const lookups: string[] = [];
  const connected: [string, string][] = [];
  const proxy = registryProxy({
    fetch: () => Promise.reject(new Error("the unpinned fetch must not be used")),
    resolve: (name) => (lookups.push(name), Promise.resolve(answers.shift() ?? ["127.0.0.1"])),
    pinnedFetch: (url, _init, address) => {
      connected.push([url.href, address]);
      return Promise.resolve(new Response("{}"));
    },
  });
  const response = await proxy(get("/_registry/ghcr.io/v2/"));
  assertEquals([response.status, await response.text()], [200, "{}"]);
  assertEquals(lookups, ["ghcr.io"]);
  assertEquals(connected, [["https://ghcr.io/v2/", "140.82.112.34"]]);
  // The rebound answer is checked like any other, and refused before a connection.
  const rebound = await proxy(get("/_registry/ghcr.io/v2/"));
  assertEquals(rebound.status, 502);
  assertMatch(await rebound.text(), /127\.0\.0\.1/);
  assertEquals(connected.length, 1);
});

test("proxy: Authorization never follows a redirect to another origin", async () => {
  const seen: (string | null)[] = [];
  const cdn = "https://pkg-containers.githubusercontent.com/blob?sig=1";
  const { options, attempts } = nowhere();
  const proxy = registryProxy({
    ...options,
    fetch: (input, init) => {
      attempts.push(String(input));
      seen.push(new Headers(init?.headers).get("authorization"));
      return Promise.resolve(
        String(input) === cdn
          ? new Response("bytes", { headers: { "content-range": "bytes 0-4/5" }, status: 206 })
          : new Response(null, { status: 307, headers: { location: cdn } }),
      );
    },
  });
  const response = await proxy(
    get(`/_registry/ghcr.io${BLOB}`, {
      headers: { authorization: "Bearer t", range: "bytes=0-4", origin: OWN },
    }),
  );
  assertEquals([response.status, await response.text()], [206, "bytes"]);
  assertEquals(attempts, [`https://ghcr.io${BLOB}`, cdn]);
  assertEquals(seen, ["Bearer t", null]);
  assertEquals(response.headers.get("content-range"), "bytes 0-4/5");
  assertMatch(response.headers.get("access-control-expose-headers") ?? "", /Content-Range/);
});

test("proxy: rewrites the token realm to its own route and forwards only to the registry's site", async () => {
  const challenge = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io"';
  const { options, attempts } = nowhere({
    "https://registry-1.docker.io/v2/": new Response(null, {
      status: 401,
      headers: { "www-authenticate": challenge },
    }),
    "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fnginx%3Apull":
      new Response('{"token":"t"}'),
  });
  const proxy = registryProxy({
    ...options,
    resolve: () => Promise.resolve(["3.216.34.172"]),
  });
  const first = await proxy(get("/_registry/registry-1.docker.io/v2/"));
  const realm = `${OWN}/_token/registry-1.docker.io/${
    encodeURIComponent("https://auth.docker.io/token")
  }`;
  assertEquals(
    first.headers.get("www-authenticate"),
    challenge.replace("https://auth.docker.io/token", realm),
  );
  const token = await proxy(
    new Request(`${realm}?service=registry.docker.io&scope=repository:library/nginx:pull`),
  );
  assertEquals(await token.text(), '{"token":"t"}');
  assertEquals(attempts.length, 2);
});

test("proxy: bounds the upstream requests one client has in flight", async () => {
  let open = 0;
  const { options } = nowhere();
  const proxy = registryProxy({
    ...options,
    concurrencyPerClient: 2,
    fetch: () => {
      open++;
      return Promise.resolve(new Response("x".repeat(10)));
    },
  });
  const held = [
    await proxy(get("/_registry/ghcr.io/v2/")),
    await proxy(get("/_registry/ghcr.io/v2/")),
  ];
  const third = await proxy(get("/_registry/ghcr.io/v2/"));
  assertEquals(third.status, 429);
  await held[0].text();
  assertEquals((await proxy(get("/_registry/ghcr.io/v2/"))).status, 200);
  assertEquals(open, 3);
});

/** A fetch for the registry source that hands every request to the proxy in-process. */
function throughProxy(handler: (request: Request) => Promise<Response>): typeof fetch {
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const path = url.origin === OWN ? url.pathname : `/_registry/${url.host}${url.pathname}`;
    return handler(new Request(`${OWN}${path}${url.search}`, init));
  };
}

for (const kind of ["anonymous", "basic", "token"] as const) {
  test(`proxy: the registry source reads a ${kind} registry with no CORS headers through it`, async () => {
    const { storage } = await sharedRegistry();
    const registry = kind === "anonymous"
      ? await startRegistry("anonymous", storage, { headers: [] })
      : await registryOf(kind);
    try {
      const upstream = countingFetch();
      const proxy = registryProxy({
        fetch: upstream.fetch,
        resolve: () => Promise.reject(new Error("no name should need resolving")),
        allowPrivate: [registry.host],
      });
      const source = await openRegistry(`${registry.host}/${DOCKER_REPO}:1.0`, {
        fetch: throughProxy(proxy),
        plainHttp: true,
        credentials: kind === "anonymous" ? undefined : USER,
      });
      const view = async (source: ImageSource) => {
        const store = new ImageStore(source, {
          platform: only({ os: "linux", architecture: "amd64" }),
        });
        assertEquals((await store.sync()).failures, []);
        return store.list().map((image) => [image.id, image.size]);
      };
      const proxied = await view(source);
      assertEquals(proxied.length, 1);
      const direct = await view(
        await openRegistry(`${registry.host}/${DOCKER_REPO}:1.0`, {
          plainHttp: true,
          credentials: kind === "anonymous" ? undefined : USER,
        }),
      );
      assertEquals(proxied, direct);
      assert(byDigest(upstream.sent).length >= 1);
      if (kind === "token") assert(registry.tokenRequests.length > 0);
    } finally {
      if (kind === "anonymous") await registry.stop();
    }
  });
}

/** A stand-in CDN: serves the registry storage's files by path, recording each request's path and Authorization. */
async function storageOrigin(storage: string) {
  const seen: { path: string; authorization: string | undefined }[] = [];
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://x").pathname;
    seen.push({ path, authorization: request.headers.authorization });
    readFile(join(storage, path)).then(
      (bytes) => response.writeHead(200, { "content-length": bytes.length }).end(bytes),
      () => response.writeHead(404).end(),
    );
  });
  const url = await listen(server);
  return { url, host: new URL(url).host, seen, close: () => closeServer(server) };
}

test("proxy: a blob redirect to a second loopback origin (a CDN) is followed when that origin is allowed, refused before connecting otherwise, and never carries Authorization", async () => {
  const { storage } = await sharedRegistry();
  const cdn = await storageOrigin(storage);
  const registry = await startRegistry("basic", storage, { headers: [], blobRedirect: cdn.url });
  try {
    const authorization = `Basic ${btoa(`${USER.username}:${USER.password}`)}`;
    const manifest = await (await fetch(`${registry.url}/v2/${DOCKER_REPO}/manifests/1.0`, {
      headers: {
        authorization,
        accept: "application/vnd.docker.distribution.manifest.v2+json",
      },
    })).json();
    const digest: string = manifest.config.digest;
    const blob = `/_registry/${registry.host}/v2/${DOCKER_REPO}/blobs/${digest}`;
    const resolve = () => Promise.reject(new Error("no name should need resolving"));
    const hops: { url: string; authorization: string | null }[] = [];
    const upstream: typeof fetch = (input, init) => {
      hops.push({
        url: String(input),
        authorization: new Headers(init?.headers).get("authorization"),
      });
      return fetch(input, init);
    };
    const allowed = registryProxy({
      fetch: upstream,
      resolve,
      allowPrivate: [registry.host, cdn.host],
    });
    const response = await allowed(get(blob, { headers: { authorization } }));
    assertEquals(response.status, 200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const sum = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    assertEquals(`sha256:${[...sum].map((b) => b.toString(16).padStart(2, "0")).join("")}`, digest);
    assertEquals(cdn.seen.length, 1);
    assertMatch(cdn.seen[0].path, new RegExp(`/blobs/sha256/../${digest.slice(7)}/data$`));
    assertEquals(cdn.seen[0].authorization, undefined);
    // The registry itself was sent the credentials: they were dropped at the hop, not before.
    assertEquals(hops.map((h) => [h.url.startsWith(cdn.url), h.authorization]), [
      [false, authorization],
      [true, null],
    ]);

    // The same hostname at another port is another origin: not allowed, it is never contacted.
    const refusing = registryProxy({ fetch: upstream, resolve, allowPrivate: [registry.host] });
    const refused = await refusing(get(blob, { headers: { authorization } }));
    assertEquals(refused.status, 502);
    assertMatch(await refused.text(), new RegExp(`refusing http://${cdn.host}/.*expected https`));
    assertEquals(cdn.seen.length, 1);
    assertEquals(hops.length, 3);
  } finally {
    await registry.stop();
    await cdn.close();
  }
});
