import type { FieldIssue } from '@cdp/contracts';
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError } from '../lib/app-error.ts';

/**
 * One error handler for every route: typed AppErrors keep their code and status, validation
 * failures name the field, and anything unexpected is a 500 that carries the request id but
 * none of the internals.
 */
export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      if (error.status >= 500) request.log.error({ err: error }, error.message);
      return reply.status(error.status).send(envelope(error.code, error.message, error.details));
    }

    if (hasZodFastifySchemaValidationErrors(error)) {
      const part = error.validationContext ?? 'request';
      const issues: FieldIssue[] = error.validation.map((v) => {
        const segments = v.instancePath.split('/').filter(Boolean);
        const base = [part, ...segments].join('.');
        const keys = (v.params as { keys?: string[] }).keys;
        if (v.keyword === 'unrecognized_keys' && keys) {
          return { path: base, message: `Unknown field${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}.` };
        }
        return { path: base, message: v.message ?? 'Invalid value.' };
      });
      const first = issues[0];
      const message = first ? `${first.path}: ${first.message}` : 'The request is not valid.';
      return reply.status(400).send(envelope('VALIDATION_FAILED', message, { issues }));
    }

    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, issues: error.cause.issues }, 'response does not match its schema');
      return reply.status(500).send(internal(request.id));
    }

    const status = error.statusCode ?? 500;
    if (status === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send(envelope('PAYLOAD_TOO_LARGE', 'The request body is too large.'));
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send(envelope('VALIDATION_FAILED', 'Send the body as application/json.'));
    }
    if (error.code?.startsWith('FST_ERR_CTP') || error instanceof SyntaxError) {
      return reply.status(400).send(envelope('INVALID_JSON', `The request body is not valid JSON: ${error.message}`));
    }
    if (status === 429) {
      return reply.status(429).send(envelope('RATE_LIMITED', 'Too many requests. Wait a moment and try again.'));
    }
    if (status >= 400 && status < 500) {
      return reply.status(status).send(envelope('VALIDATION_FAILED', error.message));
    }

    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(internal(request.id));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(envelope('NOT_FOUND', `There is no ${request.method} ${request.url.split('?')[0]}.`));
  });
});

function envelope(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

function internal(requestId: string) {
  return envelope('INTERNAL', `Something went wrong on our side. Quote request id ${requestId} when reporting it.`, {
    requestId,
  });
}
