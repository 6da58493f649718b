import type { PhiClass } from '@cdp/contracts';

export interface PhiRule {
  classification: PhiClass;
  reason: string;
}

/** Whole names (CDISC and common EDC spellings) that are direct identifiers. */
const NAMED: Record<string, string> = {
  BRTHDTC: 'birth date',
  BRTHDT: 'birth date',
  BRTHDTM: 'birth date and time',
  BIRTHDT: 'birth date',
  DOB: 'birth date',
  SUBJINIT: 'subject initials',
  INITIALS: 'subject initials',
  INIT: 'subject initials',
  PTINIT: 'subject initials',
  FNAME: 'name',
  LNAME: 'name',
  FIRSTNAME: 'name',
  LASTNAME: 'name',
  PTNAME: 'name',
  ADDRESS: 'address',
  ADDR: 'address',
  STREET: 'address',
  ZIP: 'postal code',
  ZIPCODE: 'postal code',
  POSTCODE: 'postal code',
  PHONE: 'phone number',
  PHONENUM: 'phone number',
  TEL: 'phone number',
  EMAIL: 'e-mail address',
  SSN: 'national identifier',
  MRN: 'medical record number',
};

/** Words in a SAS label that say the column identifies a person. */
const LABELS: Array<[RegExp, string]> = [
  [/\b(date|day) of birth\b|\bbirth ?date\b/i, 'birth date'],
  [/\binitials\b/i, 'subject initials'],
  [/\b(first|last|given|family|patient|subject|full) name\b/i, 'name'],
  [/\b(street|postal|home|mailing)? ?address\b/i, 'address'],
  [/\b(zip|postal) code\b/i, 'postal code'],
  [/\b(tele)?phone\b|\bmobile number\b/i, 'phone number'],
  [/\be-?mail\b/i, 'e-mail address'],
  [/\bmedical record\b/i, 'medical record number'],
];

/**
 * Why a column may hold PHI, from its name and label, or null. Free-text verbatims (COVAL, --TERM
 * as reported) may name people and places; they are suggested as sensitive only when asked for
 * (`verbatims`), because most studies code them and a mask would hide the clinical content.
 */
export function suggestPhi(name: string, label: string | null, options: { verbatims?: boolean } = {}): PhiRule | null {
  const upper = name.toUpperCase();
  const named = NAMED[upper];
  if (named) return { classification: 'phi', reason: `${upper}: ${named}` };
  for (const [pattern, reason] of LABELS) {
    if (label && pattern.test(label)) return { classification: 'phi', reason: `label "${label}": ${reason}` };
  }
  if (options.verbatims && (/^COVAL\d*$/.test(upper) || /^[A-Z]{2}TERM$/.test(upper))) {
    return { classification: 'sensitive', reason: `${upper}: free text as reported` };
  }
  return null;
}
