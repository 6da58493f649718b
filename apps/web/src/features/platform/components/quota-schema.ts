import { z } from 'zod';

/** A quota typed into a text box: a whole number, or empty for unlimited. */
export const QuotaText = z
  .string()
  .trim()
  .refine((v) => v === '' || (/^\d+$/.test(v) && Number(v) <= 1_000_000), {
    message: 'Enter a whole number up to 1,000,000, or leave it empty for unlimited.',
  });

export function quotaValue(text: string): number | null {
  return text.trim() === '' ? null : Number(text);
}

export function quotaText(value: number | null): string {
  return value === null ? '' : String(value);
}
