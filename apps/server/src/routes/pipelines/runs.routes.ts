import {
  FINISHED_RUN_STATUSES,
  PipelineParams,
  PipelineRunEventsQuery,
  PipelineRunList,
  PipelineRunParams,
  PipelineRunResource,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { cancelPipelineRun, queuePipelineRun } from '../../commands/pipeline-runs.ts';
import type { AppContext } from '../../lib/context.ts';
import { RunChanges } from '../../pipelines/run-changes.ts';
import { runState, runsOf } from '../../pipelines/run-state.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { pipelineFor, pipelinePermissions, runFor, runStateFor } from '../../policies/pipeline.ts';
import { presentLogLine, presentRun } from '../../presenters/pipeline.ts';

/**
 * How often the event stream looks for news when no notification comes (progress and log lines are
 * rows: any process can stream any run). A change's NOTIFY wakes it at once (pipelines/run-changes.ts).
 */
const EVENTS_POLL_MS = 300;
/** A comment line this often keeps proxies from closing a quiet stream. */
const EVENTS_KEEPALIVE_MS = 15_000;
/** A stream ends after this long; the client reconnects with `Last-Event-ID`. */
const EVENTS_MAX_MS = 30 * 60_000;

export const pipelineRunRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const changes = new RunChanges(ctx);
  app.addHook('onReady', async () => changes.listen());
  app.addHook('onClose', () => changes.stop());
  app.post(
    '/api/studies/:id/pipelines/:pid/runs',
    {
      preHandler: requirePermission('pipeline:execute:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: 'Run a pipeline: 202 with the run, QUEUED',
        description:
          'A run of the same pipeline that is queued or running makes this 409 CONFLICT (`details.activeRunId`).',
        params: PipelineParams,
        response: { 202: PipelineRunResource },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      // The command decides on the study (404 unseen, 403 without the permission) and finds and
      // locks the pipeline in the study (404) in its own transaction: no read of the study before it.
      const studyId = request.params.id;
      const state = await queuePipelineRun(ctx, authorOf(request), {
        studyId,
        pipelineId: request.params.pid,
        trigger: 'manual',
      });
      return reply.status(202).send({
        data: { ...presentRun(state.run), log: state.log.map(presentLogLine) },
        permissions: pipelinePermissions(actor, studyId),
      });
    },
  );

  app.get(
    '/api/studies/:id/pipelines/:pid/runs',
    {
      preHandler: requirePermission('pipeline:view:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: "A pipeline's runs, newest first (at most 100)",
        params: PipelineParams,
        response: { 200: PipelineRunList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { pipeline } = await pipelineFor(ctx, actor, request.params, 'pipeline:view:assigned');
      return { data: (await runsOf(ctx, actor.orgId, pipeline.row.id)).map(presentRun) };
    },
  );

  app.get(
    '/api/studies/:id/pipelines/:pid/runs/:rid',
    {
      preHandler: requirePermission('pipeline:view:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: 'A run with its progress, error and log',
        params: PipelineRunParams,
        response: { 200: PipelineRunResource },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { run, log } = await runStateFor(ctx, actor, request.params, 'pipeline:view:assigned');
      return {
        data: { ...presentRun(run), log: log.map(presentLogLine) },
        permissions: pipelinePermissions(actor, request.params.id),
      };
    },
  );

  app.get(
    '/api/studies/:id/pipelines/:pid/runs/:rid/events',
    {
      preHandler: requirePermission('pipeline:view:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: 'A run live, as server-sent events: `run` (status, progress), `log` (a line), `end`',
        description:
          'Resume with `?after=<seq>` or the `Last-Event-ID` header: log lines after that one are sent. The stream closes after `end`.',
        params: PipelineRunParams,
        querystring: PipelineRunEventsQuery,
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const lastEventId = Number(request.headers['last-event-id']);
      let after = Math.max(request.query.after, Number.isInteger(lastEventId) ? lastEventId : 0);
      // The first read is the policy's own (the run and its log lines in one round trip); its wait
      // starts before it, as every later read's does, so a change committed meanwhile is not missed.
      let changed = changes.wait(request.params.rid, EVENTS_POLL_MS);
      const first = await runStateFor(ctx, actor, request.params, 'pipeline:view:assigned', after);
      const { run } = first;
      let state: Awaited<ReturnType<typeof runState>> | null = { run, log: first.log.map(presentLogLine) };
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      let closed = false;
      request.raw.on('close', () => {
        closed = true;
      });
      const send = (event: string, data: unknown, id?: number) =>
        raw.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      const started = Date.now();
      let lastRun = '';
      let lastWrite = Date.now();
      try {
        while (!closed && Date.now() - started < EVENTS_MAX_MS) {
          if (!state) {
            // Waiting starts before the read, so a change committed while reading is not missed.
            changed = changes.wait(run.run.id, EVENTS_POLL_MS);
            state = await runState(ctx, actor.orgId, run.run.pipelineId, run.run.id, after);
          }
          for (const line of state.log) {
            send('log', line, line.seq);
            after = line.seq;
            lastWrite = Date.now();
          }
          const presented = presentRun(state.run);
          const json = JSON.stringify(presented);
          if (json !== lastRun) {
            send('run', presented);
            lastRun = json;
            lastWrite = Date.now();
          }
          if (FINISHED_RUN_STATUSES.includes(presented.status)) {
            send('end', presented);
            break;
          }
          if (Date.now() - lastWrite > EVENTS_KEEPALIVE_MS) {
            raw.write(': keep-alive\n\n');
            lastWrite = Date.now();
          }
          state = null;
          await changed;
        }
      } catch (error) {
        request.log.warn({ err: error }, 'pipeline run event stream failed');
      } finally {
        raw.end();
      }
    },
  );

  app.post(
    '/api/studies/:id/pipelines/:pid/runs/:rid/cancel',
    {
      preHandler: requirePermission('pipeline:execute:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: 'Cancel a run: a queued one ends at once, a running one is stopped within a second',
        params: PipelineRunParams,
        response: { 202: PipelineRunResource },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { study, run } = await runFor(ctx, actor, request.params, 'pipeline:execute:assigned');
      await cancelPipelineRun(ctx, authorOf(request), {
        studyId: study.id,
        pipelineId: run.run.pipelineId,
        runId: run.run.id,
      });
      const state = await runState(ctx, actor.orgId, run.run.pipelineId, run.run.id);
      return reply.status(202).send({
        data: { ...presentRun(state.run), log: state.log },
        permissions: pipelinePermissions(actor, study.id),
      });
    },
  );
};
