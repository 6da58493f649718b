import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { sharedData } from '@cdp/formats/testing';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { XmlScanner, XmlSyntaxError } from './xml-scanner.ts';

type Event = ['open', string, Record<string, string>] | ['close', string] | ['text', string];

/** The scanner's events for `bytes` fed in chunks of `size` bytes through a streaming UTF-8 decoder. */
function scan(bytes: Uint8Array, size: number): Event[] {
  const events: Event[] = [];
  const scanner = new XmlScanner({
    open: (tag) => events.push(['open', tag.name, { ...tag.attributes }]),
    close: (name) => events.push(['close', name]),
    text: (text) => events.push(['text', text]),
  });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < bytes.length; i += size)
    scanner.write(decoder.decode(bytes.subarray(i, i + size), { stream: true }));
  scanner.write(decoder.decode());
  scanner.end();
  return merged(events);
}

const ITEM_KEYS = ['ItemOID', 'Value', 'TransactionType', 'IsNull'];

/** As `scan`, with the ItemData fast path on: its ItemData events carry the four attributes it keeps. */
function scanFast(bytes: Uint8Array, size: number): Event[] {
  const events: Event[] = [];
  const scanner = new XmlScanner({
    open: (tag) => events.push(['open', tag.name, { ...tag.attributes }]),
    itemData: (item) => {
      const kept: Record<string, string> = {};
      for (const key of ITEM_KEYS) {
        const value = item[key as keyof typeof item];
        if (value !== undefined) kept[key] = value;
      }
      events.push(['open', 'ItemData', kept]);
    },
    close: (name) => events.push(['close', name]),
    text: (text) => events.push(['text', text]),
  });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < bytes.length; i += size)
    scanner.write(decoder.decode(bytes.subarray(i, i + size), { stream: true }));
  scanner.write(decoder.decode());
  scanner.end();
  return merged(events);
}

/** saxes' events with ItemData's attributes cut to the ones the fast path keeps (in its order). */
function fastReference(events: Event[]): Event[] {
  return events.map((event) => {
    if (event[0] !== 'open' || event[1] !== 'ItemData') return event;
    const kept: Record<string, string> = {};
    for (const key of ITEM_KEYS) if (event[2][key] !== undefined) kept[key] = event[2][key];
    return ['open', 'ItemData', kept];
  });
}

/** The reference: saxes, the SAX parser the connector used before, on the whole document. */
function reference(xml: string): Event[] {
  const events: Event[] = [];
  const parser = new SaxesParser();
  parser.on('opentag', (tag) => events.push(['open', tag.name, { ...(tag.attributes as Record<string, string>) }]));
  parser.on('closetag', (tag) => events.push(['close', tag.name]));
  parser.on('text', (text) => events.push(['text', text]));
  parser.on('cdata', (text) => events.push(['text', text]));
  parser.on('error', (error) => {
    throw error;
  });
  parser.write(xml).close();
  return merged(events);
}

/** Adjacent text events joined, and text outside the root dropped (parsers split text differently). */
function merged(events: Event[]): Event[] {
  const out: Event[] = [];
  let depth = 0;
  for (const event of events) {
    if (event[0] === 'open') depth++;
    if (event[0] === 'text') {
      if (depth === 0) continue;
      const last = out.at(-1);
      if (last?.[0] === 'text') {
        last[1] += event[1];
        continue;
      }
    }
    if (event[0] === 'close') depth--;
    out.push(event[0] === 'text' ? ['text', event[1]] : event);
  }
  return out;
}

function xmlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return xmlFiles(full);
    return entry.endsWith('.xml') ? [full] : [];
  });
}

const TRICKY = `<?xml version="1.0" encoding="utf-8"?>
<!-- an RWS-like document with everything a scanner can trip on -->
<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:mdsol="http://www.mdsol.com/ns/odm/metadata" ODMVersion='1.3'>
  <ClinicalData MetaDataVersionOID="7" StudyOID="CDP01(Prod)">
    <SubjectData mdsol:SubjectName="101-0001 &amp; &quot;Ö&quot;" SubjectKey="k1" TransactionType = "Upsert" >
      <SiteRef LocationOID="SITE101"/>
      <StudyEventData StudyEventRepeatKey="VISIT[1]" StudyEventOID="VISIT">
        <FormData FormOID="AE" FormRepeatKey="1"><ItemGroupData ItemGroupOID="AE_LOG"
            ItemGroupRepeatKey="2"><ItemData ItemOID="AE.TERM" Value="Kopfschmerz &lt;leicht&gt; &#x65E5;&#26412; &apos;x&apos;"/>
          <ItemData Value="line
break	tab" ItemOID="AE.NOTE" />
          <ItemData ItemOID="AE.EMOJI" Value="😀 日本語のテスト ünïcödé"/>
          <ItemData ItemOID="AE.GT" Value="a > b"/>
          <ItemData ItemOID="AE.NULL" IsNull="Yes"/>
          <ItemData TransactionType="Remove" ItemOID='AE.GONE' mdsol:AuditSubCategoryName="Removed"></ItemData>
          <ItemData mdsol:Verify="Yes" ItemOID="AE.OTHER" Value="kept" mdsol:Freeze="No" />
        </ItemGroupData></FormData>
      </StudyEventData>
      <Annotation><Comment><![CDATA[<b>not a tag</b> & not an entity]]> and text &amp; more</Comment></Annotation>
    </SubjectData>
    <?rave processing instruction?>
  </ClinicalData>
</ODM>
`;

describe('XmlScanner', () => {
  const files = xmlFiles(sharedData('odm', 'rwslib'));

  it('finds the real rwslib responses', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  for (const file of files) {
    it(`reads ${path.relative(sharedData('odm', 'rwslib'), file)} as saxes does, in any chunking`, () => {
      const bytes = readFileSync(file);
      const expected = reference(bytes.toString('utf8'));
      expect(expected.length).toBeGreaterThan(0);
      for (const size of [1, 3, 7, 64, 4096, bytes.length]) expect(scan(bytes, size)).toEqual(expected);
      // The fast path in a few chunkings (1-byte chunks of the largest file take long on a busy machine).
      const fast = fastReference(expected);
      for (const size of [bytes.length > 100_000 ? 13 : 1, 4096, bytes.length])
        expect(scanFast(bytes, size)).toEqual(fast);
    }, 120_000);
  }

  it('reads entities, character references, CDATA, attributes in any order and quoting, self-closing tags, whitespace and multibyte UTF-8 split across chunks as saxes does', () => {
    const bytes = new TextEncoder().encode(TRICKY);
    const expected = reference(TRICKY);
    for (let size = 1; size <= 13; size++) {
      expect(scan(bytes, size)).toEqual(expected);
      expect(scanFast(bytes, size)).toEqual(fastReference(expected));
    }
    expect(scan(bytes, bytes.length)).toEqual(expected);
    // The fast path read every kind of ItemData here: removed, null, with other attributes, multibyte.
    const fast = scanFast(bytes, bytes.length).flatMap((e) => (e[0] === 'open' && e[1] === 'ItemData' ? [e[2]] : []));
    expect(fast).toContainEqual({ ItemOID: 'AE.EMOJI', Value: '😀 日本語のテスト ünïcödé' });
    expect(fast).toContainEqual({ ItemOID: 'AE.NULL', IsNull: 'Yes' });
    expect(fast).toContainEqual({ ItemOID: 'AE.GONE', TransactionType: 'Remove' });
    expect(fast).toContainEqual({ ItemOID: 'AE.OTHER', Value: 'kept' });
    // Spot checks against values written out by hand, so the test does not only trust saxes.
    const attributes = expected.flatMap((e) => (e[0] === 'open' ? [e[2]] : []));
    expect(attributes).toContainEqual({ ItemOID: 'AE.TERM', Value: "Kopfschmerz <leicht> 日本 'x'" });
    expect(attributes).toContainEqual({ Value: 'line break tab', ItemOID: 'AE.NOTE' });
    expect(attributes).toContainEqual({ ItemOID: 'AE.EMOJI', Value: '😀 日本語のテスト ünïcödé' });
    expect(attributes).toContainEqual({ ItemOID: 'AE.GT', Value: 'a > b' });
    expect(attributes).toContainEqual({
      'mdsol:SubjectName': '101-0001 & "Ö"',
      SubjectKey: 'k1',
      TransactionType: 'Upsert',
    });
    expect(expected).toContainEqual(['text', '<b>not a tag</b> & not an entity and text & more']);
  });

  it.each([
    ['a close tag that does not match', '<a>\n  <b></a>', 2, 6, 'unexpected close tag </a> (<b> is open)', false],
    ['a document cut off inside an element', '<a><b x="1">', 1, 13, 'the document ends inside <b> (cut off?)', true],
    ['a document cut off inside a tag', '<a><b x="1', 1, 11, 'the document ends inside a tag (cut off?)', true],
    ['an unknown entity', '<a x="&nbsp;"/>', 1, 7, 'unknown entity &nbsp;', false],
    [
      'a bare ampersand',
      '<a>fish & chips</a>',
      1,
      4,
      "'&' that does not start an entity or character reference",
      false,
    ],
    ['an invalid character reference', '<a>&#0;</a>', 1, 4, 'character reference &#0; is not a valid character', false],
    ["'<' in an attribute value", '<a x="1<2"/>', 1, 6, "'<' in the value of attribute x of <a>", false],
    ['a repeated attribute', '<a x="1" x="2"/>', 1, 10, 'attribute x repeated in <a>', false],
    ['an unquoted attribute', '<a x=1/>', 1, 6, 'attribute x of <a> is not quoted', false],
    ['attributes without space between them', '<a x="1"y="2"/>', 1, 9, 'no space before an attribute of <a>', false],
    ['text after the root element', '<a/>\noops', 2, 1, 'text after the root element', false],
    ['a second root element', '<a/><b/>', 1, 5, 'a second root element <b>', false],
    ['a name that is not a name', '<1a/>', 1, 1, 'invalid name "1a"', false],
    [
      'a repeated ItemData attribute',
      '<a><ItemData Value="1" Value="2"/></a>',
      1,
      24,
      'attribute Value repeated in <ItemData>',
      false,
    ],
    [
      'a repeated other ItemData attribute',
      '<a><ItemData x="1" ItemOID="I" x="2"/></a>',
      1,
      32,
      'attribute x repeated in <ItemData>',
      false,
    ],
    [
      "'<' in an ItemData value",
      '<a><ItemData Value="1<2"/></a>',
      1,
      20,
      "'<' in the value of attribute Value of <ItemData>",
      false,
    ],
    [
      'an unquoted ItemData value',
      '<a><ItemData Value=1/></a>',
      1,
      20,
      'attribute Value of <ItemData> is not quoted',
      false,
    ],
    [
      'an unknown entity in an ItemData value',
      '<a><ItemData Value="&nbsp;"/></a>',
      1,
      21,
      'unknown entity &nbsp;',
      false,
    ],
    [
      'a document cut off inside an ItemData',
      '<a><ItemData ItemOID="I" Val',
      1,
      29,
      'the document ends inside a tag (cut off?)',
      true,
    ],
    ['no root element at all', '  \n ', 2, 2, 'no root element', true],
  ])('fails on %s, saying where', (_what, xml, line, column, reason, cutOff) => {
    for (const read of [scan, scanFast]) {
      for (const size of [1, 5, xml.length]) {
        let caught: unknown;
        try {
          read(new TextEncoder().encode(xml), size);
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(XmlSyntaxError);
        expect(caught).toMatchObject({ line, column, reason, cutOff });
      }
    }
  });
});
