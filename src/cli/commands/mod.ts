/** The commands, in the order `ocistore --help` lists them. Adding a command is one file and one line here. */
import type { Command } from "../command.ts";
import { images } from "./images.ts";
import { inspect } from "./inspect.ts";
import { platforms } from "./platforms.ts";
import { resolve } from "./resolve.ts";
import { tags } from "./tags.ts";
import { verify } from "./verify.ts";

/** Every command. */
export const COMMANDS: readonly Command[] = [images, inspect, resolve, platforms, tags, verify];
