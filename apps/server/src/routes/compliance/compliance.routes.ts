import {
  ComplianceSettingsResponse,
  ConfirmMfaRequest,
  DisableMfaRequest,
  MfaEnrolment,
  MfaStatus,
  Ok,
  ReasonBody,
  RecoveryCodes,
  StartMfaRequest,
  UpdateComplianceSettingsRequest,
  UserParams,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  confirmMfaEnrolment,
  disableMfa,
  resetUserMfa,
  startMfaEnrolment,
  updateComplianceSettings,
} from '../../commands/mfa.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { complianceSettingsOf, mfaStatusOf } from '../../policies/compliance.ts';

/**
 * Part 11 settings of the organization, and the second factor: your own (Account → Security)
 * and an administrator's reset of someone else's.
 */
export const complianceRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/organization/compliance',
    {
      schema: {
        tags: ['organization'],
        summary: 'Compliance settings: signature meanings, signature for activation, MFA for everyone',
        response: { 200: ComplianceSettingsResponse },
      },
    },
    async (request) => ({ data: await complianceSettingsOf(ctx, actorOf(request)) }),
  );

  app.patch(
    '/api/organization/compliance',
    {
      preHandler: requirePermission('organization:manage:own'),
      schema: {
        tags: ['organization'],
        summary: 'Change the compliance settings (audited with old and new values)',
        body: UpdateComplianceSettingsRequest,
        response: { 200: ComplianceSettingsResponse },
      },
    },
    async (request) => ({ data: await updateComplianceSettings(ctx, authorOf(request), request.body) }),
  );

  app.get(
    '/api/me/mfa',
    {
      schema: {
        tags: ['auth'],
        summary: 'Your two-factor sign-in: on or off, recovery codes left, whether it is required',
        response: { 200: MfaStatus },
      },
    },
    async (request) => ({ data: await mfaStatusOf(ctx, actorOf(request)) }),
  );

  app.post(
    '/api/me/mfa/enrol',
    {
      schema: {
        tags: ['auth'],
        summary: 'Start enrolling an authenticator app: a new secret and its QR code (pending until confirmed)',
        body: StartMfaRequest,
        response: { 200: MfaEnrolment },
      },
    },
    async (request) => ({ data: await startMfaEnrolment(ctx, authorOf(request)) }),
  );

  app.post(
    '/api/me/mfa/confirm',
    {
      schema: {
        tags: ['auth'],
        summary: 'Confirm the enrolment with a code; answers the ten recovery codes, shown this once',
        body: ConfirmMfaRequest,
        response: { 200: RecoveryCodes },
      },
    },
    async (request) => ({
      data: { recoveryCodes: await confirmMfaEnrolment(ctx, authorOf(request), request.body.code) },
    }),
  );

  app.post(
    '/api/me/mfa/disable',
    {
      schema: {
        tags: ['auth'],
        summary: 'Turn two-factor sign-in off (password and a current code; refused when the organization requires it)',
        body: DisableMfaRequest,
        response: { 200: Ok },
      },
    },
    async (request) => {
      await disableMfa(ctx, authorOf(request), request.body);
      return { ok: true as const };
    },
  );

  app.post(
    '/api/users/:id/mfa/reset',
    {
      preHandler: requirePermission('user:manage:own'),
      schema: {
        tags: ['users'],
        summary: 'Reset a user’s two-factor sign-in (lost device): they enrol again; audited with the reason',
        params: UserParams,
        body: ReasonBody,
        response: { 200: Ok },
      },
    },
    async (request) => {
      await resetUserMfa(ctx, authorOf(request), { userId: request.params.id, reason: request.body.reason });
      return { ok: true as const };
    },
  );
};
