import type { ReviewRecordStatusDto, SubjectEvent } from '@cdp/contracts';

/**
 * The review record of a profile event: same dataset, and the record key's --SEQ equal to the
 * event's sequence number (the review API keys records USUBJID + --SEQ; its key values are text,
 * "3" or "3.0" alike). Null for an event without a sequence number or without a review record.
 */
export function reviewRecordOf(
  records: readonly ReviewRecordStatusDto[],
  event: Pick<SubjectEvent, 'dataset' | 'seq'>,
): ReviewRecordStatusDto | null {
  if (event.seq === null) return null;
  const dataset = event.dataset.toUpperCase();
  return (
    records.find((r) => {
      if (r.dataset.toUpperCase() !== dataset) return false;
      const seq = Object.entries(r.key).find(([name]) => name.toUpperCase().endsWith('SEQ'));
      return seq !== undefined && seq[1] !== null && seq[1].trim() !== '' && Number(seq[1]) === event.seq;
    }) ?? null
  );
}

const sameValue = (keyValue: string | null, cell: unknown): boolean => {
  if (keyValue === null) return cell === null || cell === undefined || cell === '';
  if (cell === null || cell === undefined) return false;
  const text = String(cell).trim();
  if (text === keyValue.trim()) return true;
  // Key values are text ("3" or "3.0"); a cell may be a number, or text written the other way.
  const a = Number(keyValue);
  const b = Number(text);
  return keyValue.trim() !== '' && text !== '' && Number.isFinite(a) && a === b;
};

/**
 * The review record of one dataset row as the dataset rows API returns it (column names and
 * values): the record of that dataset whose every key value (USUBJID, --SEQ, or the declared key)
 * equals the row's. Works for one-row-per-subject datasets too (the key is USUBJID alone).
 */
export function reviewRecordOfRow(
  records: readonly ReviewRecordStatusDto[],
  dataset: string,
  columns: readonly string[],
  row: readonly unknown[],
): ReviewRecordStatusDto | null {
  const name = dataset.toUpperCase();
  const index = new Map(columns.map((column, i) => [column.toUpperCase(), i]));
  return (
    records.find(
      (r) =>
        r.dataset.toUpperCase() === name &&
        Object.entries(r.key).every(([column, value]) => {
          const i = index.get(column.toUpperCase());
          return i !== undefined && sameValue(value, row[i]);
        }),
    ) ?? null
  );
}
