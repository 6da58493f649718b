export { type CompiledQuery, compileQuery, MAX_QUERY_ROWS, parseQuerySpec } from './compile-query.ts';
export {
  QueryEngine,
  type QueryEngineOptions,
  type QueryRun,
  QueryTimeoutError,
  type QueryTiming,
} from './query-engine.ts';
export type { DatasetResolver } from './query-scope.ts';
