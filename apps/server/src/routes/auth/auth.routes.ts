import {
  ChangePasswordRequest,
  LoginRequest,
  LoginResponse,
  MfaChallengeResponse,
  MfaEnrolConfirmRequest,
  MfaEnrolledLoginResponse,
  MfaEnrolment,
  MfaEnrolStartRequest,
  MfaLoginRequest,
  Ok,
  SessionUser,
} from '@cdp/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { login } from '../../auth/login.ts';
import { logout } from '../../auth/logout.ts';
import { completeMfaLogin, confirmChallengeEnrolment, startChallengeEnrolment } from '../../auth/mfa-challenge.ts';
import { refresh } from '../../auth/refresh.ts';
import { changeOwnPassword } from '../../commands/change-password.ts';
import { AppError } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf } from '../../plugins/auth.ts';

export const REFRESH_COOKIE = 'cdp_refresh';
/**
 * Readable by the page, holds no secret: it only tells the web app that a refresh cookie exists,
 * so a visitor who never signed in is not greeted by a failing refresh request.
 */
export const SIGNED_IN_COOKIE = 'cdp_signed_in';
const COOKIE_PATH = '/api/auth';

export const authRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const setRefreshCookie = (request: FastifyRequest, reply: FastifyReply, token: string) => {
    const common = {
      sameSite: 'strict' as const,
      secure: ctx.config.cookieSecure === 'auto' ? request.protocol === 'https' : ctx.config.cookieSecure === 'true',
      maxAge: ctx.config.sessionMaxHours * 3600,
    };
    reply.setCookie(REFRESH_COOKIE, token, { ...common, httpOnly: true, path: COOKIE_PATH });
    reply.setCookie(SIGNED_IN_COOKIE, '1', { ...common, httpOnly: false, path: '/' });
  };
  const clearRefreshCookie = (reply: FastifyReply) => {
    reply.clearCookie(REFRESH_COOKIE, { path: COOKIE_PATH });
    reply.clearCookie(SIGNED_IN_COOKIE, { path: '/' });
  };

  app.post(
    '/api/auth/login',
    {
      config: {
        public: true,
        rateLimit: { max: ctx.config.loginRateLimitPerMinute, timeWindow: '1 minute' },
      },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with e-mail and password',
        description:
          'Returns a 15-minute access token and sets the rotating refresh token as an httpOnly cookie. ' +
          'Five wrong passwords from one address lock the account for that address for 15 minutes; a locked ' +
          'account, an unknown e-mail and a wrong password get the same 401 INVALID_CREDENTIALS.',
        security: [],
        body: LoginRequest,
        response: { 200: z.union([LoginResponse, MfaChallengeResponse]) },
      },
    },
    async (request, reply) => {
      const result = await login(ctx, request.body, request.origin);
      // A second factor (or its enrolment) comes next: no session, no cookie yet.
      if ('challenge' in result) return result;
      setRefreshCookie(request, reply, result.refreshToken);
      return { accessToken: result.accessToken, expiresIn: ctx.tokens.ttlSeconds, user: result.user };
    },
  );

  const secondStep = {
    public: true,
    rateLimit: { max: ctx.config.loginRateLimitPerMinute, timeWindow: '1 minute' },
  };

  app.post(
    '/api/auth/login/mfa',
    {
      config: secondStep,
      schema: {
        tags: ['auth'],
        summary: 'Sign in, second step: the TOTP code (or a recovery code) for the challenge of the first step',
        description:
          'A code is accepted once: a replayed code is refused. A wrong code counts toward the sign-in lock and is audited.',
        security: [],
        body: MfaLoginRequest,
        response: { 200: LoginResponse },
      },
    },
    async (request, reply) => {
      const result = await completeMfaLogin(ctx, request.body, request.origin);
      setRefreshCookie(request, reply, result.refreshToken);
      return { accessToken: result.accessToken, expiresIn: ctx.tokens.ttlSeconds, user: result.user };
    },
  );

  app.post(
    '/api/auth/login/mfa/enrol',
    {
      config: secondStep,
      schema: {
        tags: ['auth'],
        summary: 'Sign in when your organization requires MFA you have not set up: a secret and QR code to scan',
        security: [],
        body: MfaEnrolStartRequest,
        response: { 200: MfaEnrolment },
      },
    },
    async (request) => ({ data: await startChallengeEnrolment(ctx, request.body) }),
  );

  app.post(
    '/api/auth/login/mfa/enrol/confirm',
    {
      config: secondStep,
      schema: {
        tags: ['auth'],
        summary: 'Confirm the enrolment with a code: the session starts; the recovery codes are shown this once',
        security: [],
        body: MfaEnrolConfirmRequest,
        response: { 200: MfaEnrolledLoginResponse },
      },
    },
    async (request, reply) => {
      const result = await confirmChallengeEnrolment(ctx, request.body, request.origin);
      setRefreshCookie(request, reply, result.refreshToken);
      return {
        accessToken: result.accessToken,
        expiresIn: ctx.tokens.ttlSeconds,
        user: result.user,
        recoveryCodes: result.recoveryCodes,
      };
    },
  );

  app.post(
    '/api/auth/refresh',
    {
      config: {
        public: true,
        rateLimit: { max: ctx.config.loginRateLimitPerMinute * 4, timeWindow: '1 minute' },
      },
      schema: {
        tags: ['auth'],
        summary: 'Exchange the refresh cookie for a new access token (the cookie rotates)',
        description: 'Presenting a refresh token twice ends the whole session (401 REFRESH_TOKEN_REUSED).',
        security: [],
        response: { 200: LoginResponse },
      },
    },
    async (request, reply) => {
      const token = request.cookies[REFRESH_COOKIE];
      if (!token) throw new AppError('UNAUTHENTICATED', 'You are not signed in.');
      try {
        const result = await refresh(ctx, token, request.origin);
        setRefreshCookie(request, reply, result.refreshToken);
        return { accessToken: result.accessToken, expiresIn: ctx.tokens.ttlSeconds, user: result.user };
      } catch (error) {
        clearRefreshCookie(reply);
        throw error;
      }
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign out: ends the session of the refresh cookie (or of the access token)',
        security: [],
        response: { 200: Ok },
      },
    },
    async (request, reply) => {
      clearRefreshCookie(reply);
      await logout(
        ctx,
        { refreshToken: request.cookies[REFRESH_COOKIE], authorization: request.headers.authorization },
        request.origin,
      );
      return { ok: true as const };
    },
  );

  app.post(
    '/api/auth/change-password',
    {
      config: {
        allowDuringPasswordChange: true,
        rateLimit: { max: ctx.config.loginRateLimitPerMinute, timeWindow: '1 minute' },
      },
      schema: {
        tags: ['auth'],
        summary: 'Replace your password (required after a temporary password was issued)',
        description:
          'Ends your other sessions. The policy: 12+ characters, not containing your e-mail name, not a common password.',
        body: ChangePasswordRequest,
        response: { 200: z.object({ user: SessionUser }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      await changeOwnPassword(ctx, authorOf(request), {
        ...request.body,
        sessionId: actor.sessionId,
        wasTemporary: actor.mustChangePassword,
      });
      return {
        user: {
          id: actor.userId,
          email: actor.email,
          name: actor.name,
          orgId: actor.orgId,
          mustChangePassword: false,
        },
      };
    },
  );
};
