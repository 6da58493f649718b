export * from './dsl/check-dsl.ts';
export * from './dsl/examples.ts';
export * from './dsl/execute-dsl.ts';
export { type CompiledExpression, compileExpression, EXPRESSION_FUNCTIONS } from './dsl/expression/compile.ts';
export { type Expr, parseExpression } from './dsl/expression/parse.ts';
export { ExpressionError } from './dsl/expression/tokenize.ts';
export { type DslPreview, type PreviewDslRequest, previewDsl } from './dsl/preview-dsl.ts';
export * from './executor.ts';
