import type { GroupRecord, Removal } from './odm-records.ts';

/** What identifies and describes a row, without its item values. */
export type RowKeys = Omit<GroupRecord, 'items' | 'tx'>;

export interface RowState {
  keys: RowKeys;
  values: Map<string, string | null>;
}

const SET_TYPES = new Set(['Insert', 'Update', 'Upsert']);

/**
 * The final state of one form's rows after applying a transactional file in order: last value
 * wins per item, Remove deletes. Rows keep the order in which they were first created.
 */
export class TransactionalState {
  private readonly table = new Map<string, RowState>();

  apply(record: GroupRecord): void {
    const key = rowKey(record);
    if (record.tx === 'Remove') {
      this.table.delete(key);
      return;
    }
    let row = this.table.get(key);
    if (!row) {
      // A wrapper around a removal, a query or a verification does not bring a row into being.
      const sets = record.items.some(
        (item) => item.value !== undefined && item.tx !== 'Remove' && item.tx !== 'Context',
      );
      if (!sets && !SET_TYPES.has(record.tx ?? '')) return;
      const { items: _items, tx: _tx, ...keys } = record;
      row = { keys, values: new Map() };
      this.table.set(key, row);
    }
    // Site and Rave names can change over time (site transfer, renamed subject): keep the latest.
    for (const field of ['site', 'siteNumber', 'subjectName', 'subjectKeyType'] as const) {
      if (record[field] !== null) row.keys[field] = record[field];
    }
    for (const item of record.items) {
      if (item.tx === 'Remove') row.values.set(item.oid, null);
      else if (item.tx !== 'Context' && item.value !== undefined) row.values.set(item.oid, item.value);
    }
  }

  remove(removal: Removal): void {
    const k = removal.keys;
    for (const [key, row] of this.table) {
      const r = row.keys;
      if (r.study !== (k.study ?? null) || r.subject !== k.subject) continue;
      if (removal.level !== 'subject' && (r.event !== (k.event ?? null) || r.eventRepeat !== (k.eventRepeat ?? null)))
        continue;
      if (removal.level === 'form' && (r.form !== k.form || r.formRepeat !== (k.formRepeat ?? null))) continue;
      this.table.delete(key);
    }
  }

  rows(): IterableIterator<RowState> {
    return this.table.values();
  }
}

function rowKey(r: RowKeys): string {
  return [r.study, r.subject, r.event, r.eventRepeat, r.form, r.formRepeat, r.group, r.groupRepeat]
    .map((v) => (v === null ? '\u0000' : v))
    .join('\u0001');
}
