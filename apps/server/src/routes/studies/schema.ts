import { IdParams } from '@cdp/contracts';

export const StudyParams = IdParams;
