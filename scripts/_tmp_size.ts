import { APP_ENTRY, bundle } from "./build_bundle.ts";
import * as esbuild from "esbuild";
const r = await bundle(APP_ENTRY);
console.log(r.minBytes, r.gzipBytes);
await esbuild.stop();
