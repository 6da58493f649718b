import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../types.ts';
import { NotForBytes } from './clinical-bytes.ts';
import { type LaneResult, pieceBytes } from './clinical-lane.ts';
import { type ClinicalParsing, parseClinicalResponse, setClinicalParsing } from './parse-clinical.ts';
import { RwsClient, streamResponse } from './rws-client.ts';
import { parseXmlResponse } from './xml-stream.ts';

/**
 * The clinical-data parse cut into pieces of SubjectData blocks on worker threads must read a
 * document exactly as one scan of the whole document does: the same records, values, removals
 * and order (a record sent twice keeps its "later wins" order across threads), and for a
 * malformed or cut-off document the same error at the same line and column.
 */

const client = new RwsClient(
  {
    baseUrl: 'http://127.0.0.1:9',
    auth: 'basic',
    username: 'u',
    project: 'P',
    environment: 'E',
    includeAudit: false,
    pageSize: 10,
    timeoutSeconds: 5,
  },
  'secret',
  { signal: new AbortController().signal, log: () => undefined },
);
const REQUEST = 'GET /RaveWebServices/studies/P(E)/datasets/regular';

/** The text as a response body sent in `size`-byte chunks (cuts fall anywhere, even inside a character). */
function response(text: string, size: number) {
  const bytes = new TextEncoder().encode(text);
  async function* body() {
    for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
  }
  return streamResponse(REQUEST, body());
}

const ONE_GO: Partial<ClinicalParsing> = { workers: 0, pieceBytes: 1 << 30 };
const PIECES: Partial<ClinicalParsing> = {
  workers: 2,
  pieceBytes: 1,
  inlineBytes: 0,
  perWorker: 1,
  waitForWorkers: true,
};

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rave-parse-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A CSV line's fields as the staging writer wrote them (quoted text, bare numbers, empty for null). */
function fields(line: string): (string | null)[] {
  const out: (string | null)[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      for (i++; ; ) {
        const q = line.indexOf('"', i);
        if (line[q + 1] === '"') {
          value += `${line.slice(i, q)}"`;
          i = q + 2;
        } else {
          value += line.slice(i, q);
          i = q + 2;
          break;
        }
      }
      out.push(value);
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      out.push(end === i ? null : line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

async function lines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  // Values never hold a line end here (attribute values are normalized), so a line is a record.
  return text.split('\n').filter(Boolean);
}

/**
 * Everything the lanes staged, in document order and in item names rather than column positions:
 * what the merge reads. Sequence numbers become their rank (the pieces' numbering has gaps).
 */
async function staged(lanes: LaneResult[]) {
  const records: { seq: number; text: string }[] = [];
  for (const lane of lanes) {
    for (const stage of lane.stages) {
      for (const line of await lines(stage.file)) {
        const [seq, ...rest] = fields(line);
        const keys = rest.slice(0, 9);
        const present = rest[9] ?? '';
        // By item name: each lane has its own column order.
        const values = Object.fromEntries(
          stage.items
            .flatMap((item, i) => (present[i] === '1' ? [[item, rest[10 + i] ?? null] as const] : []))
            .sort(([a], [b]) => a.localeCompare(b)),
        );
        records.push({ seq: Number(seq), text: JSON.stringify([stage.form, keys, values]) });
      }
    }
    for (const line of await lines(lane.removalsFile)) {
      const f = fields(line);
      records.push({ seq: Number(f.at(-1)), text: JSON.stringify(['removal', f.slice(0, -1)]) });
    }
  }
  return records.sort((a, b) => a.seq - b.seq).map((r) => r.text);
}

async function parse(text: string, parsing: Partial<ClinicalParsing>, chunk: number) {
  const restore = setClinicalParsing(parsing);
  try {
    const dir = await mkdtemp(path.join(root, 'work-'));
    const parsed = await parseClinicalResponse(client, response(text, chunk), dir, { lane: 0, piece: 0 });
    return {
      records: await staged(parsed.lanes),
      repeatedSubject: parsed.repeatedSubject,
      threads: parsed.threads,
      cells: parsed.lanes.reduce((n, l) => n + l.cells, 0),
      bytePieces: parsed.lanes.reduce((n, l) => n + l.bytePieces, 0),
    };
  } finally {
    restore();
  }
}

async function failure(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    return (error as Error).message;
  }
  throw new Error('expected a failure');
}

/** The whole document through the sequential scanner (parseXmlResponse), which reads it in one go. */
async function sequentialFailure(text: string): Promise<string> {
  return failure(() => parseXmlResponse(client, response(text, 1 << 20), { open() {}, close() {} }));
}

const subject = (key: string, name: string, body: string, extra = '') =>
  `<SubjectData SubjectKey="${key}" mdsol:SubjectName="${name}"${extra}>\n <SiteRef LocationOID="S1"/>${body}</SubjectData>`;
const record = (form: string, rk: string, items: string) =>
  `<StudyEventData StudyEventOID="V" StudyEventRepeatKey="V[1]"><FormData FormOID="${form}" FormRepeatKey="1"><ItemGroupData ItemGroupOID="${form}_LOG" ItemGroupRepeatKey="${rk}">${items}</ItemGroupData></FormData></StudyEventData>`;
const item = (oid: string, value: string) => `<ItemData ItemOID="${oid}" Value="${value}"/>`;

const HEAD = `<?xml version="1.0" encoding="utf-8"?>
<!-- a comment before the root: <SubjectData SubjectKey="not-a-subject"> -->
<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:mdsol="http://www.mdsol.com/ns/odm/metadata" FileType="Transactional">
<ClinicalData StudyOID="P(E)" MetaDataVersionOID="3">
`;

/** Every kind of content a cut can meet: a record sent twice in two blocks, removals, multibyte text, markup holding "<SubjectData". */
const DOCUMENT = `${HEAD}${subject(
  'k1',
  '001 &amp; Ö',
  record('AE', '1', item('AE.TERM', 'Kopfschmerz &lt;leicht&gt; 日本') + item('AE.SEV', '1')) +
    record('AE', '2', item('AE.TERM', '😀')),
)}
<!-- between subjects: <SubjectData SubjectKey="in-a-comment"> -->
${subject('k2', '002', record('VS', '1', `${item('VS.HR', '71')}<ItemData ItemOID="VS.BP" IsNull="Yes"/>`))}
<?rave <SubjectData SubjectKey="in-a-processing-instruction"> ?>
${subject('k3', '003', '', ' TransactionType="Remove"')}
</ClinicalData>
<ClinicalData StudyOID="P(E)" MetaDataVersionOID="4">
${subject('k1', '001 &amp; Ö', record('AE', '1', item('AE.SEV', '3')))}
${subject('k4', '004', `<Annotation><Comment><![CDATA[<SubjectData SubjectKey="in-cdata">]]></Comment></Annotation>${record('VS', '1', item('VS.HR', '80'))}`)}
</ClinicalData>
</ODM>
`;

describe('clinical data parsed in pieces on worker threads', () => {
  it('stages the same records, values, removals and order as one scan of the whole document, in any chunking', async () => {
    const reference = await parse(DOCUMENT, ONE_GO, 1 << 20);
    expect(reference.threads).toBe(1);
    expect(reference.cells).toBe(6); // VS.BP's IsNull without a Value changes nothing
    expect(reference.records).toHaveLength(6); // five records and the removed subject
    for (const chunk of [1, 7, 64, 1 << 20]) {
      const pieces = await parse(DOCUMENT, PIECES, chunk);
      expect(pieces.threads).toBe(2);
      expect(pieces.records).toEqual(reference.records);
      // k1 came in two blocks (parsed by different threads): the merge must combine its copies.
      expect(pieces.repeatedSubject).toBe(true);
    }
  });

  it('fails a malformed or cut-off document with the message and position of one scan of the whole document', async () => {
    const malformed = [
      // A close tag that does not match, in the piece that opened the element and across pieces.
      `${HEAD}${subject('k1', '1', record('AE', '1', item('AE.X', '1')))}\n<SubjectData SubjectKey="k2"></ClinicalData></ODM>`,
      `${HEAD}${subject('k1', '1', '')}\n${subject('k2', '2', '')}\n</ODM></ClinicalData>`,
      // Cut off inside ClinicalData, inside a subject, inside a tag.
      `${HEAD}${subject('k1', '1', record('AE', '1', item('AE.X', '1')))}\n${subject('k2', '2', '')}\n`,
      `${HEAD}${subject('k1', '1', '')}\n<SubjectData SubjectKey="k2"><SiteRef LocationOID="S1"/>`,
      `${HEAD}${subject('k1', '1', '')}\n<SubjectData SubjectKey="k2"><ItemData ItemOID="A" Value="1`,
      // An unknown entity, a bad name, text where none may be.
      `${HEAD}${subject('k1', '1', '')}\n${subject('k2', '2', record('AE', '1', item('AE.X', '&nbsp;')))}</ClinicalData></ODM>`,
      `${HEAD}${subject('k1', '1', '')}\n${subject('k2', '2', '<1bad/>')}</ClinicalData></ODM>`,
    ];
    for (const text of malformed) {
      const expected = await sequentialFailure(text);
      expect(expected).toMatch(/malformed ODM: line \d+, column \d+: /);
      expect(await failure(() => parse(text, PIECES, 5))).toBe(expected);
    }
  });

  it('refuses content after the root and bytes that are not UTF-8, naming the request', async () => {
    const after = `${HEAD}${subject('k1', '1', '')}\n</ClinicalData></ODM>\n${subject('k2', '2', '')}`;
    expect(await sequentialFailure(after)).toMatch(/malformed ODM: line 8, column 1: a second root element/);
    expect(await failure(() => parse(after, PIECES, 9))).toBe(
      `Rave request ${REQUEST} returned malformed ODM: line 8, column 1: content after the root element`,
    );
    const bytes = `${HEAD}${subject('k1', '1', '')}\n${subject('k2', '2', record('AE', '1', item('AE.X', '\uFFFD')))}</ClinicalData></ODM>`;
    const broken = new TextEncoder().encode(bytes);
    broken.set([0xff, 0xfe, 0xfd], broken.indexOf(0xef)); // U+FFFD's bytes become three that are not UTF-8
    const message = await failure(async () => {
      const restore = setClinicalParsing(PIECES);
      try {
        async function* body() {
          yield broken;
        }
        await parseClinicalResponse(client, streamResponse(REQUEST, body()), root, {
          lane: 100,
          piece: 0,
        });
      } finally {
        restore();
      }
    });
    expect(message).toMatch(/^Rave request .* returned bytes that are not UTF-8 \(after byte [\d,]+\)\.$/);
  });

  it('quotes the RWS error ODM from the first piece', async () => {
    const error = `<?xml version="1.0" encoding="utf-8"?>\n<Response ReferenceNumber="x" IsTransactionSuccessful="0" mdsol:ErrorDescription="Incorrect login and password combination. [RWS00008]" xmlns:mdsol="http://www.mdsol.com/ns/odm/metadata"></Response>`;
    expect(await failure(() => parse(error, PIECES, 16))).toBe(
      `Rave request ${REQUEST} failed — Rave says: "Incorrect login and password combination. [RWS00008]"`,
    );
  });

  /**
   * Everything the byte scanner reads itself (no comment, CDATA or processing instruction after
   * the first piece): references of every kind, single quotes around a double quote, line ends and
   * tabs in values, spaces around '=', attributes it drops, IsNull, empty and removed values,
   * removed groups, forms, events and subjects with ItemData inside, an ItemData with content,
   * unknown elements, items out of order and new midway, an item twice in a record, multibyte
   * text.
   */
  const BYTES_DOCUMENT = `${HEAD}${subject('k0', '000', record('AE', '1', item('AE.TERM', 'first')))}
${subject(
  'k1',
  '001 &amp; Ö &#233;',
  record(
    'AE',
    '1',
    item('AE.TERM', 'a &amp; b &lt;c&gt; &apos;d&apos; &quot;e&quot; &#x1F600; &#65;') +
      `<ItemData ItemOID='AE.SEV' Value='say "hi"'/>` +
      `<ItemData ItemOID="AE.NOTE" Value="line one\nline two\r\n\tend"/>` +
      `<ItemData  ItemOID = "AE.OUT"   Value = "2"  mdsol:Verify="No" mdsol:Freeze='Yes' />` +
      `<ItemData ItemOID="AE.X" IsNull="Yes"/><ItemData ItemOID="AE.Y" Value=""/><ItemData ItemOID="AE.Z" TransactionType="Remove"/>` +
      `<ItemData ItemOID="AE.W" IsNull="Y&#101;s" Value="ignored"/><ItemData ItemOID="AE.V" TransactionType="Re&#109;ove"/>`,
  ) +
    record('AE', '2', item('AE.SEV', '3') + item('AE.TERM', '日本語 😀') + item('AE.NEW', 'new') + item('AE.SEV', '4')),
)}
${subject(
  'k2',
  '002',
  `${record('VS', '1', `<ItemData ItemOID="VS.HR" Value="71"><AuditRecord><UserRef UserOID="u"/></AuditRecord></ItemData>${item('VS.BP', '120/80')}`)}` +
    `<StudyEventData StudyEventOID="V" StudyEventRepeatKey="V[2]"><FormData FormOID="VS" FormRepeatKey="1"><ItemGroupData ItemGroupOID="VS_LOG" ItemGroupRepeatKey="1" mdsol:Active="No">${item('VS.HR', 'gone')}<ItemData ItemOID="VS.BP" Value="gone"></ItemData></ItemGroupData></FormData></StudyEventData>` +
    `<StudyEventData StudyEventOID="V" StudyEventRepeatKey="V[3]"><FormData FormOID="VS" FormRepeatKey="1" TransactionType="Remove"><ItemGroupData ItemGroupOID="VS_LOG">${item('VS.HR', 'gone')}</ItemGroupData></FormData></StudyEventData>` +
    `<StudyEventData StudyEventOID="V" StudyEventRepeatKey="V[4]" mdsol:Active="No"/>` +
    `<Annotation SeqNum="1"><Flag><FlagValue CodeListOID="c">x</FlagValue></Flag></Annotation>`,
)}
${subject('k3', '003', record('VS', '1', item('VS.HR', 'no')), ' TransactionType="Remove"')}
${subject('k4', '004', record('VS', '1', item('VS.BP', '110/70') + item('VS.HR', '66')))}
</ClinicalData>
<ClinicalData StudyOID="P(E)" MetaDataVersionOID="4">
${subject('k1', '001', record('AE', '1', item('AE.SEV', '5')))}
${subject('k6', '006', record('LB', '1', Array.from({ length: 30 }, (_, i) => item(`LB.I${i}`, `v${i} &lt;${i}&gt;`)).join('')))}
</ClinicalData>
</ODM>
`;

  it('reads pieces from their bytes into the same records as the text scanner, in any chunking', async () => {
    const reference = await parse(BYTES_DOCUMENT, ONE_GO, 1 << 20);
    expect(reference.bytePieces).toBe(0); // one piece: the document's first, read as text
    const text = await parse(BYTES_DOCUMENT, { ...PIECES, byteScanner: false }, 64);
    expect(text.records).toEqual(reference.records);
    expect(text.bytePieces).toBe(0);
    for (const chunk of [1, 5, 64, 1 << 20]) {
      const bytes = await parse(BYTES_DOCUMENT, PIECES, chunk);
      // With 1-byte chunks every SubjectData start is a cut: seven pieces read as bytes after the
      // document's head (read as text); larger chunks are cut at their last SubjectData.
      if (chunk === 1) expect(bytes.bytePieces).toBe(7);
      else expect(bytes.bytePieces).toBeGreaterThan(0);
      expect(bytes.records).toEqual(reference.records);
      expect(bytes.cells).toBe(reference.cells);
      expect(bytes.repeatedSubject).toBe(true);
    }
    // Spot checks against the document itself: decoded references, a quote, normalized line ends.
    const k1 = reference.records.find((r) => r.includes('"k1"') && r.includes('AE.NOTE')) ?? '';
    expect(JSON.parse(k1)[2]).toEqual({
      'AE.NOTE': 'line one line two  end',
      'AE.OUT': '2',
      'AE.SEV': 'say "hi"',
      'AE.TERM': `a & b <c> 'd' "e" 😀 A`,
      'AE.V': null,
      'AE.W': null,
      // AE.X: IsNull without a Value changes nothing
      'AE.Y': null,
      'AE.Z': null,
    });
  });

  it('keeps the values of a record cut in two by a SubjectData inside it (not RWS, but XML) on one lane', async () => {
    const nested = `${HEAD}${subject('k0', '0', '')}\n${subject('k5', '005', `${record('AE', '1', `${item('AE.TERM', 'before &amp; after')}${item('AE.SEV', '1')}<SubjectData SubjectKey="nested" mdsol:SubjectName="n"/>${item('AE.SEV', '2')}`)}`)}\n</ClinicalData></ODM>`;
    const oneLane = { workers: 0, pieceBytes: 1, inlineBytes: 0 };
    const text = await parse(nested, { ...oneLane, byteScanner: false }, 3);
    const bytes = await parse(nested, oneLane, 3);
    expect(bytes.bytePieces).toBe(3); // k0, k5 and the nested one; the first piece is the document's head
    expect(bytes.records).toEqual(text.records);
    // The record's values read from the piece before the cut, written after it.
    expect(JSON.parse(bytes.records.at(-1) ?? '')[2]).toEqual({ 'AE.SEV': '1', 'AE.TERM': 'before & after' });
  });

  it('leaves a malformed piece to the text scanner: the same message and position', async () => {
    const later = (body: string) =>
      `${HEAD}${subject('k1', '1', record('AE', '1', item('AE.X', '1')))}\n${subject('k2', '2', record('AE', '1', item('AE.X', '2')))}\n${subject('k3', '3', body)}\n</ClinicalData></ODM>`;
    const malformed = [
      later(record('AE', '1', item('AE.X', 'a &bogus; b'))),
      later(record('AE', '1', item('AE.X', 'a &#0; b'))),
      later(record('AE', '1', '<ItemData ItemOID="AE.X" Value="a < b"/>')),
      later(record('AE', '1', '<ItemData ItemOID="AE.X" Value="1" Value="2"/>')),
      later(record('AE', '1', '<ItemData ItemOID="AE.X"Value="1"/>')),
      later(record('AE', '1', '<ItemData ItemOID="AE.X" 9x="1"/>')),
      later(record('AE', '1', '<ItemData ItemOID="AE.X" Value=1/>')),
      later(record('AE', '1', '<ItemData ItemOID="AE.X" Value="1" / >')),
      later(record('AE', '1', '<ItemData ItemOID="AE.X" mdsol:A="1" mdsol:A="2"/>')),
      later(`${record('AE', '1', item('AE.X', '1'))} text &oops; here`),
      later('<FormData FormOID="AE"></StudyEventData>'),
      later('<FormData FormOID="AE" FormOID="AE"/>'),
      // After ItemData's usual `ItemOID="…" Value="…"` (matched as bytes), and attributes the
      // byte scanner checks but does not hand over.
      later(record('AE', '1', '<ItemData ItemOID="AE.X" Value="1" ItemOID="AE.Y"/>')),
      later(record('AE', '1', '<ItemData ItemOID="AE.X" Value="1"Value="2"/>')),
      later(record('AE', '1', '<ItemData ItemOID="AE.X" Value="1 &bogus;"/>')),
      later('<FormData FormOID="AE" mdsol:X="1" mdsol:Y="2" mdsol:X="3"/>'),
      later('<FormData FormOID="AE" mdsol:X="a &bogus; b"/>'),
      `${HEAD}${subject('k1', '1', '')}\n${subject('k2', '2', record('AE', '1', item('AE.X', '2')))}\n<SubjectData SubjectKey="k3"><ItemData ItemOID="A" Value="1`,
    ];
    for (const text of malformed) {
      const expected = await sequentialFailure(text);
      expect(expected).toMatch(/malformed ODM: line \d+, column \d+: /);
      // One lane on this thread (no worker start per document): the byte scanner reads the same way there.
      expect(await failure(() => parse(text, { workers: 0, pieceBytes: 1, inlineBytes: 0 }, 64))).toBe(expected);
    }
  });

  it('fails the request, naming it, when the byte scanner refuses a piece the text scanner reads', async () => {
    // No real input reaches this: the byte scanner stops only where the text scanner fails. A
    // scanner that refuses every piece stands for a bug in it: the lane's records cannot be trusted.
    const text = `${HEAD}${subject('k1', '1', record('AE', '1', item('AE.X', '1')))}\n${subject('k2', '2', record('AE', '1', item('AE.X', '2')))}\n</ClinicalData></ODM>`;
    const scan = pieceBytes.scan;
    try {
      pieceBytes.scan = () => {
        throw new NotForBytes();
      };
      expect(await failure(() => parse(text, { workers: 0, pieceBytes: 1, inlineBytes: 0 }, 64))).toBe(
        `Rave request ${REQUEST}: parsing the clinical data failed: the byte scanner stopped where the text scanner did not (an internal error; the pull wrote nothing).`,
      );
      // A scanner that fails in any other way is an internal error too, not a malformed document.
      pieceBytes.scan = () => {
        throw new RangeError('offset out of range');
      };
      expect(await failure(() => parse(text, { workers: 0, pieceBytes: 1, inlineBytes: 0 }, 64))).toBe(
        `Rave request ${REQUEST}: parsing the clinical data failed: offset out of range (an internal error; the pull wrote nothing).`,
      );
    } finally {
      pieceBytes.scan = scan;
    }
    // Put back, the same document reads.
    expect((await parse(text, { workers: 0, pieceBytes: 1, inlineBytes: 0 }, 64)).bytePieces).toBe(2);
  });
});
