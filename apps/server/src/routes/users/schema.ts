import { IdParams, Reason, User, Uuid, withPermissions } from '@cdp/contracts';
import { z } from 'zod';

export const UserParams = IdParams;
export const AssignmentParams = z.strictObject({ id: Uuid, assignmentId: Uuid });
export const UserList = z.object({ data: z.array(User) });
export const UserWithPermissions = withPermissions(User);
export const ReasonBody = z.strictObject({ reason: Reason });
export const OptionalReasonQuery = z.object({ reason: z.string().trim().max(1000).optional() });
