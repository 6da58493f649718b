import { FEATURES, type FeatureFlag, featureEnabled } from '@cdp/contracts';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../lib/app-error.ts';

/** 403 `FEATURE_DISABLED` naming the flag, so a client can tell it from a missing permission. */
export function featureDisabled(flag: FeatureFlag): AppError {
  return new AppError(
    'FEATURE_DISABLED',
    `${FEATURES[flag].label} is switched off for your organization (feature ${flag}). Ask your platform administrator.`,
    { feature: flag },
  );
}

/**
 * Route hook (`onRequest` or `preHandler`): refuses when the actor's organization has the feature
 * switched off. It runs after the auth hook has set the actor; the flags come with the actor, so
 * this costs no query. Register it on a feature's route plugin to cover all of its routes at once.
 */
export function requireFeature(flag: FeatureFlag) {
  return async (request: FastifyRequest) => {
    if (request.actor && !featureEnabled(request.actor.features, flag)) throw featureDisabled(flag);
  };
}
