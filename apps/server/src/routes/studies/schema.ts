import { IdParams, Study, StudyStatus, withPermissions } from '@cdp/contracts';
import { z } from 'zod';

export const StudyParams = IdParams;
export const StudyListQuery = z.object({
  status: StudyStatus.optional(),
  q: z.string().trim().max(200).optional(),
});
export const StudyList = z.object({
  data: z.array(Study),
  /** Whether the caller may create studies, so a client can offer it. */
  canCreate: z.boolean(),
});
export const StudyWithPermissions = withPermissions(Study);
