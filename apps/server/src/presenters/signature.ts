import type { SignatureDto } from '@cdp/contracts';
import type { SignatureRow } from '../policies/signature.ts';

/** `2026-12-06 16:20:05 CET (Europe/Paris)`: the time as the signer saw it, with its zone. */
export function localTime(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const zone = get('timeZoneName');
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${zone}${
    zone === timeZone ? '' : ` (${timeZone})`
  }`;
}

export function presentSignature(row: SignatureRow): SignatureDto {
  const signedAt = new Date(row.signedAt);
  return {
    id: row.id,
    resourceType: row.resourceType as SignatureDto['resourceType'],
    resourceId: row.resourceId,
    resourceLabel: row.resourceLabel,
    studyId: row.studyId,
    userId: row.userId,
    signerName: row.signerName,
    signerEmail: row.signerEmail,
    meaning: row.meaning,
    reason: row.reason,
    signedAt: signedAt.toISOString(),
    timeZone: row.timeZone,
    signedAtLocal: localTime(signedAt, row.timeZone),
    contentSha256: row.contentSha256,
    authentication: row.authentication,
  };
}
