#!/usr/bin/env -S deno run -A
/** The `ocistore` executable: runs `main` with this process's arguments and exits with its code. */
import process from "node:process";
import { nodeDigester } from "../runtime/node_digester.ts";
import { main } from "./main.ts";
import { processIO } from "./process_io.ts";

// Setting exitCode instead of calling exit() lets writes to pipes drain first. Hashing (`verify`,
// documents) uses the runtime's native SHA-256 instead of the portable one.
process.exitCode = await main(process.argv.slice(2), { ...processIO(), digester: nodeDigester });
