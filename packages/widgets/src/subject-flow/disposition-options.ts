import type { WidgetFieldSpec } from '@cdp/contracts';
import { z } from 'zod';
import { COMPLETED_VALUES, DISPOSITION_EVENT, SCREEN_FAILURE_VALUES } from './subject-status.ts';

/** The options that say how to read screen failures and end-of-study dispositions. */
export const DispositionOptions = z.object({
  screenFailureValues: z
    .array(z.string())
    .min(1)
    .default(SCREEN_FAILURE_VALUES)
    .describe(
      'Values of the screen-failure marker (or of the arm when no marker is mapped) that mean a screen failure',
    ),
  completedValues: z
    .array(z.string())
    .min(1)
    .default(COMPLETED_VALUES)
    .describe('Disposition values that mean the subject completed'),
  dispositionCategory: z
    .string()
    .default(DISPOSITION_EVENT)
    .describe('The DS category (DSCAT) of end-of-study records, used when the disposition category is mapped'),
});
export type DispositionOptions = z.infer<typeof DispositionOptions>;

/** DS DSCAT: tells end-of-study records from protocol milestones. Not in the field dictionary yet. */
export const DISPOSITION_CATEGORY: WidgetFieldSpec = {
  key: 'disposition_category',
  label: 'Disposition category',
  required: false,
  types: ['string'],
  source: 'dataset',
  description: 'DS DSCAT, in the same dataset as the disposition; end-of-study records are DISPOSITION EVENT',
};
