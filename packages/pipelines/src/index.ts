export { assertDsl, checkDsl, type DslInputSchema, parseDslBody } from './dsl/check-dsl.ts';
export { EXAMPLE_PIPELINES, type ExamplePipeline } from './dsl/examples.ts';
export { executeDsl } from './dsl/execute-dsl.ts';
export { type CompiledExpression, compileExpression, EXPRESSION_FUNCTIONS } from './dsl/expression/compile.ts';
export { type Expr, parseExpression } from './dsl/expression/parse.ts';
export { ExpressionError } from './dsl/expression/tokenize.ts';
export { type DslPreview, type PreviewDslRequest, previewDsl } from './dsl/preview-dsl.ts';
export type { ColumnType as DslColumnType, DslColumn } from './dsl/types.ts';
export * from './executor.ts';
