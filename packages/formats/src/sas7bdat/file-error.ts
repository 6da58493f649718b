import { FormatError } from '../errors.ts';

/** The reason of errors from unforeseen structures; tests look for it to catch missing checks. */
export const UNFORESEEN = 'the file has a structure this reader cannot follow (corrupt file?)';

/**
 * Names the file in a reader's error. A RangeError or TypeError can only come from a structure
 * the reader's checks did not foresee: it is still a file the reader cannot make sense of, so it
 * becomes a FormatError (the original kept as `cause` for the logs) rather than an internal error.
 */
export function fileError(error: unknown, fileName: string): unknown {
  if (error instanceof FormatError) return error.withFile(fileName);
  if (error instanceof RangeError || error instanceof TypeError) {
    const wrapped = new FormatError(`${UNFORESEEN} (${error.message})`, { file: fileName });
    wrapped.cause = error;
    return wrapped;
  }
  return error;
}
