/** The expression language's tokens; `pos` is the 1-based character position, for error messages. */
export type Token =
  | { kind: 'number'; value: number; pos: number; text: string }
  | { kind: 'string'; value: string; pos: number; text: string }
  | { kind: 'ident'; value: string; pos: number; text: string; quoted: boolean }
  | { kind: 'op'; value: string; pos: number; text: string }
  | { kind: 'end'; value: ''; pos: number; text: '' };

/** An error in an expression, at a 1-based character position. */
export class ExpressionError extends Error {
  readonly position: number;
  constructor(position: number, message: string) {
    super(`position ${position}: ${message}`);
    this.name = 'ExpressionError';
    this.position = position;
  }
}

const OPERATORS = ['<=', '>=', '!=', '<>', '==', '(', ')', '[', ']', ',', '+', '-', '*', '/', '%', '<', '>', '='];

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    const pos = i + 1;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const match = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(source.slice(i));
      const text = match?.[0] ?? ch;
      if (/[A-Za-z_]/.test(source[i + text.length] ?? ''))
        throw new ExpressionError(pos, `"${source.slice(i, i + text.length + 1)}" is not a number`);
      tokens.push({ kind: 'number', value: Number(text), pos, text });
      i += text.length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= source.length) throw new ExpressionError(pos, 'text is not closed: a quote is missing');
        const c = source[j] as string;
        if (c === ch) {
          // A doubled quote stands for one quote character.
          if (source[j + 1] === ch) {
            value += ch;
            j += 2;
            continue;
          }
          break;
        }
        value += c;
        j++;
      }
      tokens.push({ kind: 'string', value, pos, text: source.slice(i, j + 1) });
      i = j + 1;
      continue;
    }
    if (ch === '`') {
      const end = source.indexOf('`', i + 1);
      if (end < 0) throw new ExpressionError(pos, 'column name is not closed: a ` is missing');
      const value = source.slice(i + 1, end);
      if (!value) throw new ExpressionError(pos, 'empty column name ``');
      tokens.push({ kind: 'ident', value, pos, text: source.slice(i, end + 1), quoted: true });
      i = end + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      const text = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))?.[0] ?? ch;
      tokens.push({ kind: 'ident', value: text, pos, text, quoted: false });
      i += text.length;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (!op) throw new ExpressionError(pos, `unexpected character "${ch}"`);
    tokens.push({ kind: 'op', value: op, pos, text: op });
    i += op.length;
  }
  tokens.push({ kind: 'end', value: '', pos: source.length + 1, text: '' });
  return tokens;
}
