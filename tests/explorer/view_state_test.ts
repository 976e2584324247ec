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
  ];
  for (const state of states) assertEquals(parseViewState(formatViewState(state)), state);
  assertEquals(formatViewState({}), "");
});

test("view state: malformed or unknown parameters are ignored", () => {
  assertEquals(parseViewState("?layer=-1&layer2=3&image="), {});
  assertEquals(parseViewState("layout=x&layer=2x"), { source: { kind: "layout", url: "x" } });
});
