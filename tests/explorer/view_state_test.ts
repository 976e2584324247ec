import { assertEquals } from "@std/assert";
import { test } from "../harness.ts";
import { formatViewState, parseViewState, type ViewState } from "../../src/explorer/view_state.ts";

test("view state: every view round-trips through the URL's query", () => {
  const states: ViewState[] = [
    {},
    { source: { kind: "layout", url: "layout/" } },
    { source: { kind: "archive", name: "a b&c.tar" } },
    {
      source: { kind: "registry", reference: "127.0.0.1:5000/app:1" },
      image: "127.0.0.1:5000/app:1",
      platform: "linux/arm64/v8",
      layer: 0,
    },
    {
      source: { kind: "layout", url: "layout/" },
      image: "a:1",
      show: "changes",
      layer: 3,
      path: "etc/a b&c",
      query: "/etc",
      other: "a:2",
      page: 7,
      format: "hex",
    },
  ];
  for (const state of states) assertEquals(parseViewState(formatViewState(state)), state);
  assertEquals(formatViewState({}), "");
});

test("view state: malformed or unknown parameters are ignored", () => {
  assertEquals(parseViewState("?layer=-1&layer2=3&image="), {});
  assertEquals(parseViewState("?show=nothing&page=0&as=text&path=&q="), {});
  assertEquals(parseViewState("?page=01"), {});
  assertEquals(parseViewState("layout=x&layer=2x"), { source: { kind: "layout", url: "x" } });
});
