import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, hasSharedData, sharedData } from '../test-support.ts';
import { type DetectedFormat, detectFormat } from './detect-format.ts';

const SAS_HEAD = Buffer.concat([
  Buffer.alloc(12),
  Buffer.from('c2ea8160b31411cfbd92080009c7318c181f1011', 'hex'),
  Buffer.from('SAS FILE'),
]);
const CATALOG_HEAD = Buffer.from(SAS_HEAD).fill(0x63, 15, 16);
const XML = '<?xml version="1.0" encoding="UTF-8"?>\n';
const ODM = `${XML}<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" FileType="Snapshot" ODMVersion="1.3.2">`;
const DEFINE = `${XML}<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:def="http://www.cdisc.org/ns/def/v2.0" FileType="Snapshot">`;

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

const CASES: [string, string, Buffer, DetectedFormat | null][] = [
  [
    'XPT v5',
    'dm.xpt',
    text('HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!000000000000000000000000000000  SAS'),
    'xpt',
  ],
  [
    'XPT v8',
    'dm.xpt',
    text('HEADER RECORD*******LIBV8   HEADER RECORD!!!!!!!000000000000000000000000000000  SAS'),
    'xpt',
  ],
  ['XPT content under another name', 'dm.txt', text('HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!00'), 'xpt'],
  ['SAS CPORT (the XPT reader explains it)', 'cport.xpt', text('**COMPRESSED** **COMPRESSED** **COMPRESSED**'), 'xpt'],
  ['not XPT despite the name', 'dm.xpt', text('LIBNAME x XPORT "dm.xpt";'), null],
  ['SAS7BDAT', 'dm.sas7bdat', SAS_HEAD, 'sas7bdat'],
  ['SAS7BCAT', 'formats.sas7bcat', CATALOG_HEAD, 'sas7bcat'],
  ['SAS magic with nonzero lead bytes', 'x.sas7bdat', Buffer.from(SAS_HEAD).fill(1, 0, 1), null],
  ['Parquet', 'dm.parquet', text('PAR1\u0015\u0004'), 'parquet'],
  ['ZIP', 'upload.zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0]), 'zip'],
  ['empty ZIP', 'empty.zip', Buffer.from([0x50, 0x4b, 0x05, 0x06, 0, 0]), 'zip'],
  ['XLSX', 'Report.XLSX', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0]), 'xlsx'],
  ['XLSM', 'spec.xlsm', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0]), 'xlsx'],
  ['legacy Excel', 'old.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), null],
  ['.xlsx that is not a ZIP', 'fake.xlsx', text('a,b\n1,2\n'), null],
  ['ODM', 'export.xml', text(ODM), 'odm'],
  [
    'ODM with comments and DOCTYPE',
    'odm.xml',
    text(
      `${XML}<!DOCTYPE ODM SYSTEM "odm1-1-0.dtd" >\n<!-- a comment with <ODM> inside -->\n<ODM FileType="Transactional">`,
    ),
    'odm',
  ],
  ['ODM with a prefix', 'x.xml', text(`${XML}<odm:ODM xmlns:odm="http://www.cdisc.org/ns/odm/v1.3">`), 'odm'],
  ['ODM with a UTF-8 BOM', 'bom.xml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text(ODM)]), 'odm'],
  [
    'ODM in UTF-16',
    'utf16.xml',
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(ODM.replace('UTF-8', 'UTF-16'), 'utf16le')]),
    'odm',
  ],
  [
    'Rave error response',
    'rws.xml',
    text(`${XML}<ODM xmlns:mdsol="http://www.mdsol.com/ns/odm/metadata" mdsol:ErrorDescription="x"/>`),
    'odm',
  ],
  ['define.xml by namespace', 'metadata.xml', text(DEFINE), 'define-xml'],
  ['define.xml by name', 'define.xml', text(ODM), 'define-xml'],
  ['define.xml by name in a folder', 'sdtm/Define-SDTM.XML', text(ODM), 'define-xml'],
  ['other XML', 'pom.xml', text(`${XML}<project>`), null],
  ['XML whose root is past the head', 'long.xml', text(`${XML}<!-- ${'x'.repeat(100)}`), null],
  [
    'Dataset-JSON v1.1',
    'dm.json',
    text('{\n  "datasetJSONCreationDateTime": "2023-06-28T15:38:43",\n  "datasetJSONVersion": "1.1.0",'),
    'dataset-json',
  ],
  ['Dataset-JSON v1.0', 'adtte.json', text('{\n  "clinicalData": {\n    "studyOID": "CDISCPILOT01",'), 'dataset-json'],
  ['Dataset-NDJSON', 'dm.ndjson', text('{"datasetJSONVersion": "1.1.0", "name": "DM"}\n["a"]\n'), 'dataset-json'],
  ['other JSON', 'package.json', text('{"name": "cdp"}'), null],
  ['CSV', 'dm.csv', text('"STUDYID","USUBJID"\n'), 'csv'],
  ['TSV', 'dm.TSV', text('STUDYID\tUSUBJID\n'), 'csv'],
  ['TXT', 'dm.txt', text('STUDYID|USUBJID\n'), 'csv'],
  ['CSV in UTF-16', 'excel.csv', Buffer.from([0xff, 0xfe, 0x61, 0, 0x2c, 0]), 'csv'],
  ['unknown', 'notes.docx', Buffer.from([0x25, 0x50, 0x44, 0x46]), null],
  ['empty file', 'empty.bin', Buffer.alloc(0), null],
];

describe('detectFormat', () => {
  it.each(CASES)('%s (%s)', (_what, name, head, expected) => {
    expect(detectFormat(name, head)).toBe(expected);
  });

  it('recognises the fixtures of this package', () => {
    expect(detectFormat('dm.json', head(fixture('dataset-json', 'dm.json')))).toBe('dataset-json');
    expect(detectFormat('dm.ndjson', head(fixture('dataset-json', 'dm.ndjson')))).toBe('dataset-json');
    expect(detectFormat('adtte.json', head(fixture('dataset-json', 'adtte-v1-0.json')))).toBe('dataset-json');
    expect(detectFormat('haven-hadley.zip', head(fixture('zip', 'haven-hadley.zip')))).toBe('zip');
  });
});

describe.runIf(hasSharedData('format detection on real files'))('detectFormat on ../shared/data', () => {
  const expectations: [string, (file: string) => boolean, DetectedFormat | null][] = [
    ['xpt/fredhutch-sas-transport/wellformed', (f) => f.endsWith('.xpt'), 'xpt'],
    ['xpt/pyreadstat', (f) => f.endsWith('.xpt'), 'xpt'],
    ['sas7bdat', (f) => f.endsWith('.sas7bdat'), 'sas7bdat'],
    ['sas7bdat', (f) => f.endsWith('.sas7bcat'), 'sas7bcat'],
    ['odm/rwslib', (f) => f.endsWith('.xml'), 'odm'],
    ['odm/cdisc-DataExchange-ODM', (f) => f.endsWith('.xml'), 'odm'],
    ['cdiscpilot01', (f) => f.endsWith('define.xml'), 'define-xml'],
    ['cdiscpilot01', (f) => f.endsWith('.xpt'), 'xpt'],
    ['xlsx', (f) => f.endsWith('.xlsx'), 'xlsx'],
    ['zip', (f) => f.endsWith('.zip'), 'zip'],
    ['csv', (f) => f.endsWith('.csv'), 'csv'],
  ];
  it.each(expectations)('every matching file under %s', (folder, matches, expected) => {
    const files = walk(sharedData(folder)).filter(matches);
    expect(files.length).toBeGreaterThan(0);
    const wrong = files.filter((f) => detectFormat(path.basename(f), head(f)) !== expected);
    expect(wrong).toEqual([]);
  });
});

function head(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0));
  } finally {
    closeSync(fd);
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}
