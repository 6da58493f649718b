import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClinicalDataHandler, CsvSink, type FormStage, noCounts } from './clinical-data.ts';

/**
 * The staging CSV's cheap writers against what they stand for: a quoted field copied char by char
 * against the UTF-8 encoding of the field with its quotes doubled, and sequence numbers counted up
 * in place against `String(n)`. Both scanners stage through these, so comparing the scanners
 * (parse-clinical.test.ts) would not see a fault here.
 */

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rave-csv-sink-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('CsvSink', () => {
  it('writes a quoted field as its UTF-8 bytes with quotes doubled, short or long, ASCII or not', async () => {
    const fields = [
      '',
      'plain',
      'say "hi"',
      '"',
      'Öl & 日本語 😀',
      'x'.repeat(64),
      `${'y'.repeat(63)}é`,
      `${'z'.repeat(70)}"q"`,
      '0'.repeat(200),
      'tab\tand\nline',
    ];
    const file = path.join(root, 'quoted.csv');
    const sink = new CsvSink(file);
    for (const field of fields) {
      sink.quoted(field);
      sink.endLine();
    }
    await sink.close();
    const expected = fields.map((field) => `"${field.replaceAll('"', '""')}"\n`).join('');
    expect(await readFile(file)).toEqual(Buffer.from(expected, 'utf8'));
    expect(sink.rows).toBe(fields.length);
  });

  it('writes what it holds when closed, and nothing more after', async () => {
    const file = path.join(root, 'closed.csv');
    const sink = new CsvSink(file);
    sink.push(['a', 1, null, 'b"c']);
    await sink.flush(); // below the flush size: nothing written yet, nothing lost either
    await sink.close();
    await sink.close();
    expect(await readFile(file, 'utf8')).toBe('"a",1,,"b""c"\n');
  });
});

describe('the sequence numbers of staged records', () => {
  /** Stages one record per start in `starts` (a removal between runs makes the numbers jump). */
  async function stagedSequences(starts: number[], perRun: number): Promise<string[]> {
    const dir = await mkdtemp(path.join(root, 'seq-'));
    const stages = new Map<string, FormStage>();
    const file = path.join(dir, 'form.csv');
    const counter = { seq: 0 };
    const handler = new ClinicalDataHandler(
      stages,
      (form) => {
        const stage: FormStage = { form, file, items: [], itemIndex: new Map(), sink: new CsvSink(file) };
        stages.set(form, stage);
        return stage;
      },
      new CsvSink(path.join(dir, 'removals.csv')),
      counter,
      noCounts(),
    );
    const tag = (name: string, attributes: Record<string, string>) => ({ name, attributes });
    handler.open(tag('SubjectData', { SubjectKey: 'k1' }));
    handler.open(tag('StudyEventData', { StudyEventOID: 'V' }));
    handler.open(tag('FormData', { FormOID: 'AE' }));
    let repeat = 0;
    for (const start of starts) {
      counter.seq = start;
      for (let i = 0; i < perRun; i++) {
        handler.open(tag('ItemGroupData', { ItemGroupOID: 'AE', ItemGroupRepeatKey: String(++repeat) }));
        handler.itemData({ ItemOID: 'AE.X', Value: 'v', TransactionType: undefined, IsNull: undefined });
        handler.close('ItemGroupData');
      }
    }
    handler.close('FormData');
    await stages.get('AE')?.sink.close();
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    return lines.map((line) => line.slice(0, line.indexOf(',')));
  }

  it('are the numbers as String(n) writes them, across carries and jumps', async () => {
    const starts = [0, 7, 95, 998, 99_997, 2 ** 32 - 2, 3 * 2 ** 32, 2 ** 52 - 2, 12, 2 ** 40 + 9_999_998];
    const perRun = 4;
    const expected = starts.flatMap((start) => Array.from({ length: perRun }, (_, i) => String(start + i)));
    expect(await stagedSequences(starts, perRun)).toEqual(expected);
  });
});
