import { ExpressionError, type Token, tokenize } from './tokenize.ts';

/** The syntax tree of an expression; every node keeps its position for error messages. */
export type Expr =
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'boolean'; value: boolean; pos: number }
  | { kind: 'null'; pos: number }
  | { kind: 'column'; name: string; pos: number }
  | { kind: 'list'; items: Expr[]; pos: number }
  | { kind: 'unary'; op: '-' | 'not'; operand: Expr; pos: number }
  | { kind: 'binary'; op: string; left: Expr; right: Expr; pos: number }
  | { kind: 'is_null'; operand: Expr; negate: boolean; pos: number }
  | { kind: 'call'; name: string; args: Expr[]; pos: number }
  | { kind: 'case'; branches: { when: Expr; result: Expr }[]; otherwise?: Expr; pos: number };

const KEYWORDS = new Set(['and', 'or', 'not', 'case', 'when', 'then', 'else', 'end', 'true', 'false', 'null', 'is']);

/**
 * Parses the expression language (precedence, lowest first): `or`, `and`, `not`, comparisons
 * (`= == != <> < <= > >=`, `is [not] null`), `+ -`, `* / %`, unary minus. Columns are bare names
 * (`AGE`) or back-quoted (`` `my col` ``); text is quoted with ' or ".
 */
export function parseExpression(source: string): Expr {
  const parser = new Parser(tokenize(source));
  const expr = parser.expression();
  const next = parser.peek();
  if (next.kind !== 'end')
    throw new ExpressionError(next.pos, `unexpected "${next.text}" after the end of the expression`);
  return expr;
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.at] as Token;
  }

  private take(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.at++;
    return token;
  }

  private isWord(word: string, token = this.peek()): boolean {
    return token.kind === 'ident' && !token.quoted && token.value.toLowerCase() === word;
  }

  private isOp(op: string, token = this.peek()): boolean {
    return token.kind === 'op' && token.value === op;
  }

  private expectOp(op: string, what: string): Token {
    const token = this.peek();
    if (!this.isOp(op)) throw new ExpressionError(token.pos, `expected "${op}" ${what}, found ${describe(token)}`);
    return this.take();
  }

  private expectWord(word: string, what: string): void {
    const token = this.peek();
    if (!this.isWord(word))
      throw new ExpressionError(token.pos, `expected "${word}" ${what}, found ${describe(token)}`);
    this.take();
  }

  expression(): Expr {
    return this.or();
  }

  private or(): Expr {
    let left = this.and();
    while (this.isWord('or')) {
      const pos = this.take().pos;
      left = { kind: 'binary', op: 'or', left, right: this.and(), pos };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isWord('and')) {
      const pos = this.take().pos;
      left = { kind: 'binary', op: 'and', left, right: this.not(), pos };
    }
    return left;
  }

  private not(): Expr {
    if (this.isWord('not')) {
      const pos = this.take().pos;
      return { kind: 'unary', op: 'not', operand: this.not(), pos };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.additive();
    const token = this.peek();
    if (this.isWord('is')) {
      this.take();
      let negate = false;
      if (this.isWord('not')) {
        this.take();
        negate = true;
      }
      this.expectWord('null', 'after "is"');
      return { kind: 'is_null', operand: left, negate, pos: token.pos };
    }
    if (token.kind === 'op' && ['=', '==', '!=', '<>', '<', '<=', '>', '>='].includes(token.value)) {
      this.take();
      const op = token.value === '==' ? '=' : token.value === '!=' ? '<>' : token.value;
      const right = this.additive();
      const after = this.peek();
      if (after.kind === 'op' && ['=', '==', '!=', '<>', '<', '<=', '>', '>='].includes(after.value))
        throw new ExpressionError(after.pos, 'comparisons cannot be chained: use "and" (a < b and b < c)');
      return { kind: 'binary', op, left, right, pos: token.pos };
    }
    return left;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const token = this.take();
      left = { kind: 'binary', op: token.text, left, right: this.multiplicative(), pos: token.pos };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const token = this.take();
      left = { kind: 'binary', op: token.text, left, right: this.unary(), pos: token.pos };
    }
    return left;
  }

  private unary(): Expr {
    if (this.isOp('-')) {
      const pos = this.take().pos;
      return { kind: 'unary', op: '-', operand: this.unary(), pos };
    }
    if (this.isOp('+')) {
      this.take();
      return this.unary();
    }
    return this.primary();
  }

  private primary(): Expr {
    const token = this.peek();
    switch (token.kind) {
      case 'number':
        this.take();
        return { kind: 'number', value: token.value, pos: token.pos };
      case 'string':
        this.take();
        return { kind: 'string', value: token.value, pos: token.pos };
      case 'op':
        if (token.value === '(') {
          this.take();
          const inner = this.expression();
          this.expectOp(')', `to close the "(" at position ${token.pos}`);
          return inner;
        }
        if (token.value === '[') return this.list();
        throw new ExpressionError(token.pos, `expected a value, found ${describe(token)}`);
      case 'end':
        throw new ExpressionError(token.pos, 'the expression ends too early: a value is missing');
      case 'ident':
        return this.word(token);
    }
  }

  private list(): Expr {
    const open = this.take();
    const items: Expr[] = [];
    if (!this.isOp(']')) {
      for (;;) {
        items.push(this.expression());
        if (!this.isOp(',')) break;
        this.take();
      }
    }
    this.expectOp(']', `to close the "[" at position ${open.pos}`);
    return { kind: 'list', items, pos: open.pos };
  }

  private word(token: Extract<Token, { kind: 'ident' }>): Expr {
    this.take();
    if (token.quoted) return { kind: 'column', name: token.value, pos: token.pos };
    const lower = token.value.toLowerCase();
    if (lower === 'true' || lower === 'false') return { kind: 'boolean', value: lower === 'true', pos: token.pos };
    if (lower === 'null') return { kind: 'null', pos: token.pos };
    if (lower === 'case') return this.caseExpression(token.pos);
    if (this.isOp('(')) {
      this.take();
      const args: Expr[] = [];
      if (!this.isOp(')')) {
        for (;;) {
          args.push(this.expression());
          if (!this.isOp(',')) break;
          this.take();
        }
      }
      this.expectOp(')', `to close the call of ${token.value}`);
      return { kind: 'call', name: lower, args, pos: token.pos };
    }
    if (KEYWORDS.has(lower))
      throw new ExpressionError(
        token.pos,
        `"${token.value}" is a keyword; write \`${token.value}\` for a column of that name`,
      );
    return { kind: 'column', name: token.value, pos: token.pos };
  }

  private caseExpression(pos: number): Expr {
    const branches: { when: Expr; result: Expr }[] = [];
    while (this.isWord('when')) {
      this.take();
      const when = this.expression();
      this.expectWord('then', 'after the condition of "when"');
      branches.push({ when, result: this.expression() });
    }
    if (branches.length === 0) throw new ExpressionError(this.peek().pos, 'expected "when" after "case"');
    let otherwise: Expr | undefined;
    if (this.isWord('else')) {
      this.take();
      otherwise = this.expression();
    }
    this.expectWord('end', 'to close "case"');
    return { kind: 'case', branches, otherwise, pos };
  }
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'the end of the expression' : `"${token.text}"`;
}
