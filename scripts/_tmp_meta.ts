import * as esbuild from "esbuild";
import { APP_ENTRY } from "./build_bundle.ts";
const r = await esbuild.build({
  stdin: { contents: APP_ENTRY, resolveDir: Deno.cwd(), loader: "ts", sourcefile: "b.ts" },
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  write: false,
  metafile: true,
  logLevel: "error",
});
const out = Object.values(r.metafile!.outputs)[0];
const rows = Object.entries(out.inputs).map(([k, v]) => [v.bytesInOutput, k] as const).sort((
  a,
  b,
) => b[0] - a[0]);
for (const [b, k] of rows.slice(0, 30)) console.log(String(b).padStart(7), k);
await esbuild.stop();
