/** A query the caller asked for that cannot run as asked: the message names the parameter and the column. */
export class QueryError extends Error {
  readonly param: string;

  constructor(message: string, param: string) {
    super(message);
    this.name = 'QueryError';
    this.param = param;
  }
}
