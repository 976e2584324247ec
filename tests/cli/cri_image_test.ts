import { assertEquals } from "@std/assert";
import { test } from "../harness.ts";
import { parseImageReferences, sortCriImages, toCriImage } from "../../src/cli/cri_image.ts";
import { formatInspectJson, goImageSpec } from "../../src/cli/cri_json.ts";
import type { Image } from "../../src/core/image_store.ts";

const ID = `sha256:${"a".repeat(64)}`;
const DIGEST = `sha256:${"b".repeat(64)}`;

function image(user?: string): Image {
  return {
    id: ID,
    references: ["busybox:1"],
    chainId: "",
    size: 1,
    pinned: false,
    imageSpec: {
      os: "linux",
      architecture: "amd64",
      ...(user !== undefined ? { config: { User: user } } : {}),
      rootfs: { type: "layers", diff_ids: [] },
    },
  };
}

test("parseImageReferences splits references as containerd's ParseImageReferences does", () => {
  const found = parseImageReferences([
    "docker.io/library/busybox:1",
    `busybox:1@${DIGEST}`,
    "example.com/app",
    "a".repeat(64),
    "Upper/Case:1",
    "bad::name",
  ]);
  assertEquals(found.repoTags, ["docker.io/library/busybox:1"]);
  assertEquals(found.repoDigests, [`docker.io/library/busybox:1@${DIGEST}`]);
  assertEquals(found.invalid.map((i) => i.reference), ["Upper/Case:1", "bad::name"]);
});

test("toCriImage reads a numeric User as uid and anything else as the user name", () => {
  assertEquals([toCriImage(image("0")).uid, toCriImage(image("0")).username], ["0", ""]);
  assertEquals([toCriImage(image("+7:3")).uid], ["7"]);
  assertEquals([toCriImage(image("nobody:1")).uid, toCriImage(image("nobody:1")).username], [
    undefined,
    "nobody",
  ]);
  assertEquals(toCriImage(image("99999999999999999999")).username, "99999999999999999999");
  assertEquals([toCriImage(image()).uid, toCriImage(image()).username], [undefined, ""]);
});

test("sortCriImages orders small lists exactly as crictl's insertion sort does", () => {
  const cri = (id: string, tags: string[], digests: string[] = []) => ({
    id,
    repoTags: tags,
    repoDigests: digests,
    size: 0,
    username: "",
    pinned: false,
  });
  const sorted = sortCriImages([
    cri("sha256:3", ["b:1"]),
    cri("sha256:2", [], ["a@x"]),
    cri("sha256:1", ["a:1"]),
    cri("sha256:0", []),
  ]);
  assertEquals(sorted.map((i) => i.id), ["sha256:0", "sha256:1", "sha256:2", "sha256:3"]);
});

test("formatInspectJson sorts keys at every level and escapes HTML characters as Go does", () => {
  const text = formatInspectJson({
    ...image("app"),
    imageSpec: {
      ...image("app").imageSpec,
      config: { User: "app", Labels: { z: "1", a: "<b>&" } },
    },
  });
  const parsed = JSON.parse(text);
  assertEquals(Object.keys(parsed.status), [
    "id",
    "pinned",
    "repoDigests",
    "repoTags",
    "size",
    "spec",
    "uid",
    "username",
  ]);
  assertEquals(Object.keys(parsed.info.imageSpec.config.Labels), ["a", "z"]);
  assertEquals(text.includes('"a": "\\u003cb\\u003e\\u0026"'), true);
  assertEquals(parsed.status.username, "app");
});

test("goImageSpec drops empty optional fields and keeps config and rootfs", () => {
  assertEquals(
    goImageSpec({
      os: "linux",
      architecture: "arm64",
      variant: "v8",
      "os.features": [],
      config: { Env: [], ArgsEscaped: false, ExposedPorts: { "80/tcp": { x: 1 } } },
      rootfs: { type: "layers", diff_ids: [DIGEST] },
      history: [{ created: "2024-05-06T07:08:09.120+02:00", empty_layer: false }],
    }),
    {
      architecture: "arm64",
      os: "linux",
      variant: "v8",
      config: { ExposedPorts: { "80/tcp": {} } },
      rootfs: { type: "layers", diff_ids: [DIGEST] },
      history: [{ created: "2024-05-06T07:08:09.12+02:00" }],
    },
  );
});
