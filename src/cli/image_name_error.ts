/** The IMAGE operand is no name at all, a mistake on the command line (exit 2), not a miss. */
import { InvalidArgumentError, type OciStoreErrorOptions } from "../core/errors.ts";

/**
 * IMAGE is neither a reference nor an image ID prefix; the message says which grammar rule the
 * text breaks. A class of its own so that `main` gives it exit code 2 (bad input) while other
 * invalid arguments, such as a malformed document inside a source, stay failures (exit 1).
 *
 * @example
 * ```ts
 * import { ImageNameError } from "./image_name_error.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(new ImageNameError("bad name").code, "INVALID_ARGUMENT");
 * ```
 */
export class ImageNameError extends InvalidArgumentError {
  /**
   * Creates the error.
   *
   * @param message The action, then expected versus found.
   * @param options The parse error as cause, its reason and problem.
   */
  constructor(message: string, options?: OciStoreErrorOptions) {
    super(message, options);
    this.name = "ImageNameError";
  }
}
