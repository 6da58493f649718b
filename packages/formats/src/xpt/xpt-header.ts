import { FormatError } from '../errors.ts';
import type { ByteWindow } from './byte-window.ts';
import { headerText } from './sas-text.ts';

/**
 * The header records of a SAS transport file (SAS TS-140 for version 5, its version 8/9 sequel
 * for long names and labels). Every count and length in them is checked against the file before
 * it is used: a corrupted header is reported as such, never turned into a huge allocation or a
 * read past the end.
 */

export const RECORD = 80;

export type XptVersion = 5 | 8;

export interface XptLibrary {
  version: XptVersion;
  sasVersion: string;
  os: string;
  created?: string;
  modified?: string;
}

export interface XptVariable {
  name: string;
  label: string;
  numeric: boolean;
  /** Bytes in the observation. */
  length: number;
  /** Offset of the value inside the observation. */
  position: number;
  /** The variable number SAS stored (VARNUM). */
  number: number;
  format?: string;
  informat?: string;
}

export interface XptMember {
  name: string;
  label: string;
  /** The member type field (`DATA` for most files, often blank). */
  type: string;
  sasVersion: string;
  os: string;
  created?: string;
  modified?: string;
  variables: XptVariable[];
  /** Bytes per observation: the end of the last value, as positions may overlap or leave gaps. */
  observationLength: number;
  /** Version 8 files state the observation count in the OBS header. */
  declaredRows?: number;
  /** File offset of the first observation. */
  dataStart: number;
}

const PREFIX = 'HEADER RECORD*******';
const SUFFIX = 'HEADER RECORD!!!!!!!';
const ZEROS_30 = '0'.repeat(30);

const HEADER_NAMES = {
  library: { 5: 'LIBRARY ', 8: 'LIBV8   ' },
  member: { 5: 'MEMBER  ', 8: 'MEMBV8  ' },
  descriptor: { 5: 'DSCRPTR ', 8: 'DSCPTV8 ' },
  namestr: { 5: 'NAMESTR ', 8: 'NAMSTV8 ' },
  observations: { 5: 'OBS     ', 8: 'OBSV8   ' },
} as const;

function headerPrefix(name: string): string {
  return `${PREFIX}${name}${SUFFIX}`;
}

const LIBRARY_V5 = `${headerPrefix(HEADER_NAMES.library[5])}${ZEROS_30}  `;
const LIBRARY_V8 = `${headerPrefix(HEADER_NAMES.library[8])}${ZEROS_30}  `;
const CPORT_MARK = '**COMPRESSED** **COMPRESSED**';
const MEMBER_PREFIX = { 5: headerPrefix(HEADER_NAMES.member[5]), 8: headerPrefix(HEADER_NAMES.member[8]) };

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** Names SAS reserves for its automatic variables; a file that uses them was not written by SAS. */
const RESERVED_NAMES = new Set(['_N_', '_ERROR_']);
const SAS_NAME_V5 = /^[A-Za-z_][A-Za-z0-9_]{0,7}$/;
const SAS_NAME_V8 = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

interface Where {
  file: string;
  dataset?: string;
}

function fail(reason: string, where: Where, offset: number): never {
  throw new FormatError(reason, { ...where, offset });
}

function recordNumber(offset: number): string {
  return `record ${(Math.floor(offset / RECORD) + 1).toLocaleString('en-US')}`;
}

/** Loads one 80-byte record at `pos`, or fails saying the file ends inside `what`. */
async function loadRecord(window: ByteWindow, pos: number, what: string, where: Where): Promise<void> {
  const available = await window.ensure(pos, RECORD);
  if (available < RECORD) fail(`file ends inside the ${what} (${recordNumber(pos)}; truncated upload?)`, where, pos);
}

function ascii(window: ByteWindow, pos: number, length: number): string {
  const start = pos - window.start;
  return window.bytes.toString('latin1', start, start + length);
}

function matches(window: ByteWindow, pos: number, text: string): boolean {
  const start = pos - window.start;
  for (let i = 0; i < text.length; i++) {
    if (window.bytes[start + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

function isAscii(window: ByteWindow, pos: number, length: number): boolean {
  const start = pos - window.start;
  for (let i = start; i < start + length; i++) if ((window.bytes[i] as number) >= 0x80) return false;
  return true;
}

function isBlank(window: ByteWindow, pos: number, length: number): boolean {
  const start = pos - window.start;
  for (let i = start; i < start + length; i++) if (window.bytes[i] !== 0x20) return false;
  return true;
}

function field(window: ByteWindow, pos: number, length: number): string {
  return headerText(window.bytes, pos - window.start, length);
}

function int16(window: ByteWindow, pos: number): number {
  return window.bytes.readInt16BE(pos - window.start);
}

/**
 * `ddMMMyy:hh:mm:ss` → `yyyy-mm-ddThh:mm:ss`. Two-digit years below 60 are 20xx, as SAS's
 * default YEARCUTOFF (1920) and the transport spec's own advice to "be prepared" suggest.
 * A blank field is no date; anything else that does not parse is a corrupted header.
 */
function timestamp(window: ByteWindow, pos: number, what: string, where: Where): string | undefined {
  const text = ascii(window, pos, 16);
  if (text.trim() === '') return undefined;
  const match = /^(\d\d)([A-Za-z]{3})(\d\d):(\d\d):(\d\d):(\d\d)$/.exec(text);
  const month = match ? MONTHS.indexOf((match[2] as string).toUpperCase()) : -1;
  if (!match || month < 0) fail(`${what} "${text}" is not a ddMMMyy:hh:mm:ss date`, where, pos);
  const [day, yy, hour, minute, second] = [1, 3, 4, 5, 6].map((i) => Number(match[i])) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const year = yy < 60 ? 2000 + yy : 1900 + yy;
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    fail(`${what} "${text}" is not a valid date and time`, where, pos);
  }
  const two = (n: number) => String(n).padStart(2, '0');
  return `${year}-${two(month + 1)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}`;
}

/** Reads the three library records at the start of the file. */
export async function readLibraryHeader(window: ByteWindow, where: Where): Promise<XptLibrary> {
  if (window.fileSize === 0) fail('the file is empty', where, 0);
  const available = await window.ensure(0, 3 * RECORD);
  if (available >= CPORT_MARK.length && matches(window, 0, CPORT_MARK)) {
    fail(
      'this is a SAS CPORT file (PROC CPORT), not a transport (XPORT) file: export the data with the XPORT engine or as SAS7BDAT',
      where,
      0,
    );
  }
  await loadRecord(window, 0, 'library header', where);
  let version: XptVersion;
  if (matches(window, 0, LIBRARY_V5)) version = 5;
  else if (matches(window, 0, LIBRARY_V8)) version = 8;
  else fail('record 1 is not a LIBRARY header (not a SAS transport file, or a corrupted one)', where, 0);

  await loadRecord(window, RECORD, 'first library header', where);
  if (!matches(window, RECORD, 'SAS     SAS     SASLIB  ')) {
    fail('record 2 does not start with "SAS SAS SASLIB" (not a SAS transport file, or a corrupted one)', where, RECORD);
  }
  const library = readRealHeaderFields(window, RECORD, 'library', where);
  await loadRecord(window, 2 * RECORD, 'second library header', where);
  const modified = timestamp(window, 2 * RECORD, 'library modification date', where);
  return { version, ...library, ...(modified ? { modified } : {}) };
}

/** Version, OS, the blank gap and the creation date of a "real header" record. */
function readRealHeaderFields(
  window: ByteWindow,
  pos: number,
  what: string,
  where: Where,
): { sasVersion: string; os: string; created?: string } {
  if (!isAscii(window, pos + 24, 8)) fail(`the ${what} SAS version is not ASCII (corrupted header?)`, where, pos + 24);
  if (!isAscii(window, pos + 32, 8)) {
    fail(`the ${what} operating system is not ASCII (corrupted header?)`, where, pos + 32);
  }
  // The %loc2xpt macro writes the OS one byte too far, into the first byte of the gap: allow it.
  if (!isBlank(window, pos + 41, 23)) {
    fail(`${recordNumber(pos)} has data where blanks belong (corrupted header?)`, where, pos);
  }
  const created = timestamp(window, pos + 64, `${what} creation date`, where);
  return {
    sasVersion: field(window, pos + 24, 8),
    os: field(window, pos + 32, 8),
    ...(created ? { created } : {}),
  };
}

/** Whether a member (dataset) header record starts at `pos` (which must be in the window). */
export function isMemberHeaderAt(window: ByteWindow, pos: number, version: XptVersion): boolean {
  if (pos + 48 > window.end) return false;
  return window.at(pos) === 0x48 && matches(window, pos, MEMBER_PREFIX[version]);
}

async function expectHeader(
  window: ByteWindow,
  pos: number,
  name: keyof typeof HEADER_NAMES,
  version: XptVersion,
  where: Where,
): Promise<void> {
  const label = HEADER_NAMES[name][version].trim();
  await loadRecord(window, pos, `${label} header`, where);
  if (!matches(window, pos, headerPrefix(HEADER_NAMES[name][version]))) {
    fail(`${recordNumber(pos)} should be the ${label} header but is not (corrupted file?)`, where, pos);
  }
}

/** Reads one member's headers, starting at its MEMBER header record at `start`. */
export async function readMemberHeader(
  window: ByteWindow,
  start: number,
  version: XptVersion,
  file: string,
): Promise<XptMember> {
  const where: Where = { file };
  await expectHeader(window, start, 'member', version, where);
  const namestrLength = Number(ascii(window, start + 74, 4));
  if (namestrLength !== 140 && namestrLength !== 136) {
    const given = ascii(window, start + 74, 4);
    fail(`the member header gives a variable descriptor size of "${given}" (140 or 136 expected)`, where, start);
  }
  await expectHeader(window, start + RECORD, 'descriptor', version, where);
  const dataset = await readDatasetRecords(window, start + 2 * RECORD, version, where);
  const { variables, dataStart, declaredRows } = await readDescriptors(
    window,
    start + 4 * RECORD,
    version,
    namestrLength,
    where,
  );
  checkVariableSet(variables, where, start);
  resolvePositions(variables, where, start);
  let observationLength = 0;
  for (const v of variables) observationLength = Math.max(observationLength, v.position + v.length);
  return {
    ...dataset,
    variables,
    observationLength,
    ...(declaredRows !== undefined ? { declaredRows } : {}),
    dataStart,
  };
}

type DatasetRecords = Pick<XptMember, 'name' | 'label' | 'type' | 'sasVersion' | 'os' | 'created' | 'modified'>;

/** The two member header records: name, SAS version, OS, dates, label and type. */
async function readDatasetRecords(
  window: ByteWindow,
  pos: number,
  version: XptVersion,
  where: Where,
): Promise<DatasetRecords> {
  await loadRecord(window, pos, 'member header', where);
  const nameLength = version === 5 ? 8 : 32;
  if (!matches(window, pos, 'SAS     ')) {
    fail(`${recordNumber(pos)} should start the member header with "SAS"`, where, pos);
  }
  const name = field(window, pos + 8, nameLength);
  if (name === '') fail('the dataset has a blank name', where, pos);
  where.dataset = name;
  if (!(version === 5 ? SAS_NAME_V5 : SAS_NAME_V8).test(name)) {
    fail(`"${name}" is not a valid SAS dataset name`, where, pos);
  }
  const afterName = pos + 8 + nameLength;
  if (!matches(window, afterName, 'SASDATA ')) fail(`${recordNumber(pos)} should name the library SASDATA`, where, pos);
  if (!isAscii(window, afterName + 8, 16)) {
    fail('the dataset SAS version or operating system is not ASCII (corrupted header?)', where, pos);
  }
  if (version === 5 && !isBlank(window, pos + 41, 23)) {
    fail(`${recordNumber(pos)} has data where blanks belong (corrupted header?)`, where, pos);
  }
  const created = timestamp(window, pos + 64, 'dataset creation date', where);
  const sasVersion = field(window, afterName + 8, 8);
  const os = field(window, afterName + 16, 8);

  await loadRecord(window, pos + RECORD, 'member header', where);
  const modified = timestamp(window, pos + RECORD, 'dataset modification date', where);
  return {
    name,
    label: field(window, pos + RECORD + 32, 40),
    type: field(window, pos + RECORD + 72, 8),
    sasVersion,
    os,
    ...(created ? { created } : {}),
    ...(modified ? { modified } : {}),
  };
}

/** The NAMESTR header, the variable descriptors, version 8's long labels and the OBS header. */
async function readDescriptors(
  window: ByteWindow,
  start: number,
  version: XptVersion,
  namestrLength: number,
  where: Where,
): Promise<{ variables: XptVariable[]; dataStart: number; declaredRows?: number }> {
  await expectHeader(window, start, 'namestr', version, where);
  const countText = ascii(window, start + 48, 10);
  if (!/^\d{10}$/.test(countText)) {
    fail(`the NAMESTR header gives "${countText.trim()}" as the number of variables`, where, start);
  }
  const count = Number(countText);
  const first = start + RECORD;
  const descriptorsEnd = first + count * namestrLength;
  if (descriptorsEnd > window.fileSize) {
    const declared = `${count.toLocaleString('en-US')} variable(s)`;
    fail(`the NAMESTR header declares ${declared}, more than the file holds (truncated upload?)`, where, first);
  }
  const variables: XptVariable[] = [];
  for (let i = 0; i < count; i++) {
    const at = first + i * namestrLength;
    await window.ensure(at, namestrLength);
    variables.push(readNamestr(window, at, i, version, where));
  }
  let pos = roundUpToRecord(descriptorsEnd);
  if (pos > window.fileSize) {
    fail('file ends inside the variable descriptors (truncated upload?)', where, descriptorsEnd);
  }
  if (version === 8) pos = await readLongLabels(window, pos, variables, where);

  await expectHeader(window, pos, 'observations', version, where);
  // Version 8 states the row count; 0 (what ReadStat always writes) says nothing, so it is not reported.
  const rowsText = version === 8 ? ascii(window, pos + 48, 15).trim() : '';
  const declaredRows = /^\d+$/.test(rowsText) && Number(rowsText) > 0 ? Number(rowsText) : undefined;
  return { variables, dataStart: pos + RECORD, ...(declaredRows !== undefined ? { declaredRows } : {}) };
}

function roundUpToRecord(pos: number): number {
  return Math.ceil(pos / RECORD) * RECORD;
}

/** One NAMESTR (variable descriptor); see TS-140 section 7 for the layout. */
function readNamestr(window: ByteWindow, at: number, index: number, version: XptVersion, where: Where): XptVariable {
  const which = `variable ${index + 1}`;
  const bad = (reason: string): never => fail(`${which}: ${reason}`, where, at);
  const typeCode = int16(window, at);
  if (typeCode !== 1 && typeCode !== 2) {
    bad(`unknown type code ${typeCode} (1 numeric, 2 character; corrupted descriptor?)`);
  }
  const numeric = typeCode === 1;
  if (int16(window, at + 2) !== 0) {
    bad('the name hash is not 0, as the transport format requires (corrupted descriptor?)');
  }
  const length = int16(window, at + 4);
  const varnum = int16(window, at + 6);

  const shortName = field(window, at + 8, 8);
  const longName = version === 8 ? field(window, at + 88, 32) : '';
  const name = longName || shortName;
  const label = field(window, at + 16, 40);
  const nameWhere = name ? `variable ${name}` : which;
  const badVar = (reason: string): never => fail(`${nameWhere}: ${reason}`, where, at);

  if (name === '') bad('blank name');
  if (!isAscii(window, at + 8, 8) || (version === 8 && !isAscii(window, at + 88, 32))) badVar('the name is not ASCII');
  const validName = (version === 5 ? SAS_NAME_V5 : SAS_NAME_V8).test(name);
  if (!validName) badVar(`"${name}" is not a valid SAS variable name`);
  if (RESERVED_NAMES.has(name.toUpperCase())) badVar(`${name} is reserved for a SAS automatic variable`);

  if (numeric && (length < 2 || length > 8)) badVar(`a numeric variable must be 2 to 8 bytes long, not ${length}`);
  if (!numeric && length < 1) badVar(`a character variable must be at least 1 byte long, not ${length}`);
  if (!numeric && version === 5 && length > 200) {
    badVar(`character length ${length} is over the transport version 5 limit of 200`);
  }
  // SAS numbers from 1, ReadStat from 0; below that the descriptor is damaged.
  if (varnum < 0) badVar(`negative variable number ${varnum}`);

  const format = readFormat(window, at + 56, numeric, 'format', badVar);
  const justification = int16(window, at + 68);
  // The justification only means something for an actual format; SAS ignores it otherwise.
  if (format && justification !== 0 && justification !== 1) {
    badVar(`format justification code ${justification} (0 or 1 expected)`);
  }
  const informat = readFormat(window, at + 72, numeric, 'informat', badVar);

  const position = window.bytes.readInt32BE(at + 84 - window.start);
  if (position < 0) badVar(`negative position ${position} in the observation`);

  return {
    name,
    label,
    numeric,
    length,
    position,
    number: varnum,
    ...(format ? { format } : {}),
    ...(informat ? { informat } : {}),
  };
}

/** A format as `NAMEw.d` (`DATE9.`, `8.2`, `$CHAR20.`), or undefined when none is set. */
function readFormat(
  window: ByteWindow,
  at: number,
  numeric: boolean,
  what: string,
  bad: (reason: string) => never,
): string | undefined {
  if (!isAscii(window, at, 8)) bad(`the ${what} name is not ASCII`);
  const name = field(window, at, 8);
  const width = int16(window, at + 8);
  const decimals = int16(window, at + 10);
  if (width < 0) bad(`negative ${what} width ${width}`);
  if (decimals < 0) bad(`negative ${what} decimals ${decimals}`);
  // A numeric w.d needs room for the decimal point; character formats have no decimals to speak of.
  if (numeric && decimals > 0 && width > 0 && decimals >= width) {
    bad(`${what} ${name}${width}.${decimals} has no room for its decimals`);
  }
  return formatString(name, width, decimals);
}

export function formatString(name: string, width: number, decimals: number): string | undefined {
  if (name === '' && width === 0 && decimals === 0) return undefined;
  return `${name}${width > 0 ? width : ''}.${decimals > 0 ? decimals : ''}`;
}

/**
 * Version 8 keeps labels over 40 characters (LABELV8) and, from SAS 9, format names over 8
 * (LABELV9) in variable-length entries after the descriptors. Returns the OBS header position.
 */
async function readLongLabels(
  window: ByteWindow,
  pos: number,
  variables: XptVariable[],
  where: Where,
): Promise<number> {
  await loadRecord(window, pos, 'observation header', where);
  const v8 = matches(window, pos, headerPrefix('LABELV8 '));
  const v9 = matches(window, pos, headerPrefix('LABELV9 '));
  if (!v8 && !v9) return pos;
  const countText = ascii(window, pos + 48, 32).trim();
  if (!/^\d+$/.test(countText)) fail(`the LABEL header gives "${countText}" as the number of labels`, where, pos);
  const count = Number(countText);
  if (count > variables.length) {
    fail(`the LABEL header declares ${count} labels for ${variables.length} variables`, where, pos);
  }
  let at = pos + RECORD;
  const fixed = v9 ? 10 : 6;
  for (let i = 0; i < count; i++) {
    if ((await window.ensure(at, fixed)) < fixed) {
      fail('file ends inside the long labels (truncated upload?)', where, at);
    }
    // The entry names its variable by VARNUM (1-based), as SAS writes it.
    const varnum = window.bytes.readUInt16BE(at - window.start);
    const lengths: number[] = [];
    for (let k = 2; k < fixed; k += 2) lengths.push(window.bytes.readUInt16BE(at + k - window.start));
    const total = lengths.reduce((a, b) => a + b, 0);
    const variable = variables.find((v) => v.number === varnum);
    if (!variable) fail(`long label ${i + 1} is for variable number ${varnum}, which does not exist`, where, at);
    at += fixed;
    if ((await window.ensure(at, total)) < total) {
      fail('file ends inside the long labels (truncated upload?)', where, at);
    }
    const [nameLength, ...rest] = lengths as [number, ...number[]];
    const labelLength = rest[rest.length - 1] as number;
    const name = headerText(window.bytes, at - window.start, nameLength);
    if (name && name !== variable.name) {
      fail(
        `long label ${i + 1} names variable "${name}", but variable number ${varnum} is "${variable.name}"`,
        where,
        at,
      );
    }
    if (v9) {
      const formatName = headerText(window.bytes, at + nameLength - window.start, rest[0] as number);
      const informatName = headerText(
        window.bytes,
        at + nameLength + (rest[0] as number) - window.start,
        rest[1] as number,
      );
      variable.format = withLongName(variable.format, formatName);
      variable.informat = withLongName(variable.informat, informatName);
    }
    variable.label = headerText(window.bytes, at + total - labelLength - window.start, labelLength);
    at += total;
  }
  return roundUpToRecord(at);
}

/** Replaces the (8-character) name of `NAMEw.d` with the long one, keeping width and decimals. */
function withLongName(format: string | undefined, longName: string): string | undefined {
  if (!longName) return format;
  const widthAndDecimals = format ? (/\d*\.\d*$/.exec(format)?.[0] ?? '.') : '.';
  return `${longName}${widthAndDecimals}`;
}

/** Names and numbers must be unique: SAS cannot tell two variables apart otherwise. */
function checkVariableSet(variables: XptVariable[], where: Where, offset: number): void {
  const names = new Set<string>();
  const numbers = new Set<number>();
  for (const v of variables) {
    const key = v.name.toUpperCase();
    if (names.has(key)) fail(`two variables are named ${v.name} (names are case-insensitive in SAS)`, where, offset);
    names.add(key);
    if (numbers.has(v.number)) fail(`two variables have number ${v.number} (corrupted descriptors?)`, where, offset);
    numbers.add(v.number);
  }
}

/**
 * Settles where each value sits in the observation. SAS writes values one after the other in
 * descriptor order and ignores the stored positions when reading. Some ReadStat versions (haven,
 * pyreadstat) write rows the same way but store positions as if numbers came first and characters
 * after: those positions are replaced by the real ones. Any other layout is honoured as stored
 * (a file may map two variables onto the same bytes), provided positions never run backwards
 * within a type, which no writer does and SAS cannot read.
 */
function resolvePositions(variables: XptVariable[], where: Where, offset: number): void {
  const sequential = runningOffsets(variables);
  if (variables.every((v, i) => v.position === sequential[i])) return;
  const numbersFirst = runningOffsets([...variables.filter((v) => v.numeric), ...variables.filter((v) => !v.numeric)]);
  const numbersFirstByVariable = new Map(
    [...variables.filter((v) => v.numeric), ...variables.filter((v) => !v.numeric)].map((v, i) => [v, numbersFirst[i]]),
  );
  if (variables.every((v) => v.position === numbersFirstByVariable.get(v))) {
    variables.forEach((v, i) => {
      v.position = sequential[i] as number;
    });
    return;
  }
  const previous = { numeric: 0, character: 0 };
  for (const v of variables) {
    const type = v.numeric ? 'numeric' : 'character';
    if (v.position < previous[type]) {
      fail(
        `variable ${v.name} is stored before the ${type} variable described ahead of it (corrupted descriptors?)`,
        where,
        offset,
      );
    }
    previous[type] = v.position;
  }
}

function runningOffsets(variables: XptVariable[]): number[] {
  let position = 0;
  return variables.map((v) => {
    const at = position;
    position += v.length;
    return at;
  });
}
