/** The store's errors keep their class when it adds what it was doing to their message. */
import {
  AmbiguousDigestError,
  DigestMismatchError,
  InvalidArgumentError,
  NotFoundError,
  OciStoreError,
  UnsupportedError,
} from "./errors.ts";

const _errorClasses = {
  NOT_FOUND: NotFoundError,
  INVALID_ARGUMENT: InvalidArgumentError,
  UNSUPPORTED: UnsupportedError,
  AMBIGUOUS: AmbiguousDigestError,
} as const;

/** `error` with `message: ` in front, same class, code and reason; others pass unchanged. */
export function _wrap(error: unknown, message: string): Error {
  if (!(error instanceof OciStoreError)) return error as Error;
  const text = `${message}: ${error.message}`;
  if (error instanceof DigestMismatchError) {
    return new DigestMismatchError(text, {
      cause: error,
      expected: error.expected,
      actual: error.actual,
    });
  }
  const Class = _errorClasses[error.code as keyof typeof _errorClasses];
  return Class
    ? new Class(text, { cause: error, reason: error.reason })
    : new OciStoreError(error.code, text, { cause: error, reason: error.reason });
}
