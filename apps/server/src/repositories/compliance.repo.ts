import { type ComplianceSettingsDto, DEFAULT_SIGNATURE_MEANINGS } from '@cdp/contracts';
import { complianceSettings, type Tx } from '@cdp/db';
import { eq } from 'drizzle-orm';

/** An organization's Part 11 settings; the defaults until an administrator changes them. */
export async function complianceOf(tx: Tx, orgId: string, forUpdate = false): Promise<ComplianceSettingsDto> {
  const query = tx.select().from(complianceSettings).where(eq(complianceSettings.orgId, orgId));
  const [row] = forUpdate ? await query.for('update') : await query;
  return {
    signatureMeanings: row?.signatureMeanings ?? [...DEFAULT_SIGNATURE_MEANINGS],
    requireSignatureForActivation: row?.requireSignatureForActivation ?? false,
    requireMfa: row?.requireMfa ?? false,
  };
}
