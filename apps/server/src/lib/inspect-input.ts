/**
 * Checks every value a client sent (JSON body, query string, path parameters) before validation:
 * no control characters in any string or key, and no nesting deeper than a limit. PostgreSQL
 * refuses NUL in text and jsonb (a 500 with the SQL in the log), and a deep document overflows the
 * stack of recursive code (zod, JSON.stringify) further on; both are the client's mistake and get a
 * 400 that names where the problem is.
 */

/** Deepest nesting any request needs is ~10 (a dashboard widget's options); 32 leaves room. */
export const MAX_JSON_DEPTH = 32;

/**
 * C0 controls except tab, line feed and carriage return (multi-line text keeps them), and DEL.
 * NUL is the one PostgreSQL rejects; the others are never typed by a person and only hide text.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

export interface InputProblem {
  path: string;
  message: string;
}

/** The first problem in `value` (walked without recursion), or null. `root` starts the path. */
export function inspectInput(value: unknown, root: string, maxDepth = MAX_JSON_DEPTH): InputProblem | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof item.value === 'string') {
      const problem = controlProblem(item.value, item.path);
      if (problem) return problem;
      continue;
    }
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth >= maxDepth) {
      return {
        path: item.path,
        message: `The JSON is nested more than ${maxDepth} levels deep here. Flatten the document.`,
      };
    }
    const entries = Array.isArray(item.value)
      ? item.value.map((v, i) => [String(i), v] as const)
      : Object.entries(item.value as Record<string, unknown>);
    // Reversed onto the stack, so the first problem in document order is the one reported.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i] as readonly [string, unknown];
      const path = `${item.path}.${key}`;
      if (!Array.isArray(item.value)) {
        const keyProblem = controlProblem(key, item.path, 'The field name');
        if (keyProblem) return keyProblem;
      }
      stack.push({ value: child, path, depth: item.depth + 1 });
    }
  }
  return null;
}

function controlProblem(text: string, path: string, what = 'The text'): InputProblem | null {
  const match = CONTROL.exec(text);
  if (!match) return null;
  const code = (match[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  return {
    path,
    message: `${what} contains the control character U+${code} at position ${match.index + 1}. Remove it.`,
  };
}
