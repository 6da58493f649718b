import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { BatchBuilder } from '../batch-builder.ts';
import type { RowBatch } from '../types.ts';
import type { GroupRecord } from './odm-records.ts';
import { convertValue, type FormPlan } from './odm-schema.ts';
import { walkOdm } from './odm-walker.ts';
import { type RowKeys, TransactionalState } from './transactional-state.ts';

/** Cells of one row in plan column order, as text, before typing. */
type TextRow = (string | null)[];

/**
 * Pass 2 of the ODM reader: one walk over the file sorts every form's rows out at once, so the
 * file is read twice in all however many forms it has. A snapshot's rows go to one temporary
 * NDJSON file per form (memory stays flat); a transactional file's rows are applied to one state
 * per form, which is the data's final size rather than the file's.
 */
export class FormRows {
  private pass: Promise<void> | undefined;
  private dir: string | undefined;
  private readonly spills = new Map<string, { file: string; stream: WriteStream; pending: string }>();
  private readonly states = new Map<string, TransactionalState>();
  private readonly plans: Map<string, FormPlan>;

  constructor(
    private readonly path: string,
    private readonly file: string,
    plans: FormPlan[],
    private readonly transactional: boolean,
    /** Where snapshot rows spill; the study's temp folder in the product, so clinical data stays with the study. */
    private readonly tempDirectory: string = tmpdir(),
  ) {
    this.plans = new Map(plans.map((p) => [p.form, p]));
  }

  /** The form's rows in batches; the first call runs pass 2 for every form. */
  async *batches(form: string, batchSize: number): AsyncGenerator<RowBatch> {
    this.pass ??= this.transactional ? this.applyTransactions() : this.spillSnapshot();
    await this.pass;
    const plan = this.plans.get(form);
    if (!plan) return;
    const builder = new BatchBuilder(
      plan.info.columns.map((c) => c.type),
      batchSize,
    );
    for await (const row of this.transactional ? this.stateRows(plan) : this.spilledRows(form)) {
      writeRow(builder, plan, row);
      if (builder.full) yield builder.take();
    }
    if (builder.length > 0) yield builder.take();
  }

  /** Removes the temporary files; safe to call at any point. */
  async dispose(): Promise<void> {
    for (const spill of this.spills.values()) spill.stream.destroy();
    this.spills.clear();
    this.states.clear();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  private async spillSnapshot(): Promise<void> {
    this.dir = await mkdtemp(path.join(this.tempDirectory, 'cdp-odm-rows-'));
    for (const form of this.plans.keys()) {
      const file = path.join(this.dir, `${this.spills.size}.ndjson`);
      this.spills.set(form, { file, stream: createWriteStream(file), pending: '' });
    }
    const walk = walkOdm(this.path, this.file, {
      group: (record) => {
        const spill = this.spills.get(record.form);
        const plan = this.plans.get(record.form);
        if (spill && plan) spill.pending += `${JSON.stringify(textRow(plan, record, lastValues(record)))}\n`;
      },
    });
    for (;;) {
      const step = await walk.next();
      for (const spill of this.spills.values()) {
        if (spill.pending.length === 0) continue;
        const ok = spill.stream.write(spill.pending);
        spill.pending = '';
        if (!ok) await once(spill.stream, 'drain');
      }
      if (step.done) break;
    }
    await Promise.all(
      [...this.spills.values()].map(async ({ stream }) => {
        stream.end();
        await once(stream, 'finish');
      }),
    );
  }

  private async *spilledRows(form: string): AsyncGenerator<TextRow> {
    const spill = this.spills.get(form);
    if (!spill) return;
    const input = createReadStream(spill.file);
    try {
      for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
        if (line) yield JSON.parse(line) as TextRow;
      }
    } finally {
      input.destroy();
      this.spills.delete(form);
      await rm(spill.file, { force: true });
    }
  }

  private async applyTransactions(): Promise<void> {
    for (const form of this.plans.keys()) this.states.set(form, new TransactionalState());
    const walk = walkOdm(this.path, this.file, {
      group: (record) => this.states.get(record.form)?.apply(record),
      removal: (removal) => {
        if (removal.level === 'form') this.states.get(removal.keys.form ?? '')?.remove(removal);
        else for (const state of this.states.values()) state.remove(removal);
      },
    });
    let step = await walk.next();
    while (!step.done) step = await walk.next();
  }

  private *stateRows(plan: FormPlan): Generator<TextRow> {
    const state = this.states.get(plan.form);
    if (!state) return;
    for (const row of state.rows()) yield textRow(plan, row.keys, row.values);
    // Each form is read once: its state can go.
    this.states.delete(plan.form);
  }
}

/** Within one ItemGroupData a repeated ItemOID means its last value. */
function lastValues(record: GroupRecord): Map<string, string | null> {
  const values = new Map<string, string | null>();
  for (const item of record.items) {
    if (item.value !== undefined) values.set(item.oid, item.value);
  }
  return values;
}

function textRow(plan: FormPlan, keys: RowKeys, values: Map<string, string | null>): TextRow {
  const row: TextRow = plan.keyFields.map((field) => keys[field]);
  for (const item of plan.items) row.push(values.get(item.oid) ?? null);
  return row;
}

function writeRow(builder: BatchBuilder, plan: FormPlan, row: TextRow): void {
  const keyCount = plan.keyFields.length;
  for (let c = 0; c < row.length; c++) {
    const value = row[c] ?? null;
    const type = c < keyCount ? 'string' : (plan.items[c - keyCount]?.type ?? 'string');
    if (type === 'string') builder.setString(c, value);
    // Pass 1 checked every value; one that no longer fits means the file changed in between.
    else if (value !== null) builder.setNumber(c, convertValue(type, value) ?? Number.NaN);
  }
  builder.endRow();
}
