import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../lib/app-error.ts';
import { inspectInput } from '../lib/inspect-input.ts';

/**
 * One check in front of every route's own validation, so a route added later is covered too:
 * control characters in any string (or key) of the body, query string and path parameters, and
 * JSON nested too deep, are a 400 naming the place, before any handler or database sees them.
 */
export const inputGuardPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('preValidation', async (request) => {
    const parts: [string, unknown][] = [
      ['params', request.params],
      ['querystring', request.query],
      ['body', request.body],
    ];
    for (const [root, value] of parts) {
      const problem = inspectInput(value, root);
      if (problem) {
        throw new AppError('VALIDATION_FAILED', `${problem.path}: ${problem.message}`, { issues: [problem] });
      }
    }
  });
});
