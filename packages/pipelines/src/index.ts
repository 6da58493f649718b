export * from './executor.ts';
export { checkSql, type SqlCheckInput } from './sql/check-sql.ts';
export { executeSql } from './sql/execute-sql.ts';
