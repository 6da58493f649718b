import { Uuid } from '@cdp/contracts';
import { z } from 'zod';

export const ReviewStudyParams = z.strictObject({ id: Uuid });
export const ReviewDatasetParams = z.strictObject({
  id: Uuid,
  dataset: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'A dataset name, e.g. AE.'),
});
export const ReviewSubjectParams = z.strictObject({ id: Uuid, usubjid: z.string().trim().min(1).max(200) });
export const ReviewThreadParams = z.strictObject({ id: Uuid, threadId: Uuid });
