/**
 * The character set a SAS file declares in header byte 70, as a name to report and, when this
 * Node's TextDecoder (WHATWG encodings, full ICU) can decode it, the label to decode with.
 *
 * Codes and names follow ReadStat's `_charset_table` (readstat_sas.c), which was cobbled together
 * from real files and the SAS NLS reference; where SAS's name differs it is noted. Code pages the
 * WHATWG set lacks (IBM/DOS, most Mac, EUC-TW) have no decoder: such files still read while their
 * text is plain ASCII, and fail with a clear error at the first byte that is not (see SasText).
 */
export interface SasEncoding {
  /** The name reported in DatasetInfo.encoding. */
  name: string;
  /** TextDecoder label, or undefined when this runtime cannot decode the character set. */
  decoder: string | undefined;
}

/** Files that declare nothing (code 0) were written in the session encoding, in practice Windows-1252. */
export const UNSPECIFIED_ENCODING_DECODER = 'windows-1252';

const TABLE: Record<number, SasEncoding> = {
  20: { name: 'utf-8', decoder: 'utf-8' },
  // WHATWG maps us-ascii and iso-8859-1 to windows-1252, a superset of both.
  28: { name: 'us-ascii', decoder: 'windows-1252' },
  29: { name: 'iso-8859-1', decoder: 'windows-1252' },
  30: { name: 'iso-8859-2', decoder: 'iso-8859-2' },
  31: { name: 'iso-8859-3', decoder: 'iso-8859-3' },
  32: { name: 'iso-8859-4', decoder: 'iso-8859-4' },
  33: { name: 'iso-8859-5', decoder: 'iso-8859-5' },
  34: { name: 'iso-8859-6', decoder: 'iso-8859-6' },
  35: { name: 'iso-8859-7', decoder: 'iso-8859-7' },
  36: { name: 'iso-8859-8', decoder: 'iso-8859-8' },
  // WHATWG decodes iso-8859-9 as windows-1254 and iso-8859-11 as windows-874 (supersets).
  37: { name: 'iso-8859-9', decoder: 'windows-1254' },
  38: { name: 'iso-8859-10', decoder: 'iso-8859-10' },
  39: { name: 'iso-8859-11', decoder: 'windows-874' },
  // SAS "latin9"; the Shotwell/Cummins specification lists 40 as latin5, ReadStat as ISO-8859-15.
  40: { name: 'iso-8859-15', decoder: 'iso-8859-15' },
  41: { name: 'cp437', decoder: undefined },
  42: { name: 'cp850', decoder: undefined },
  43: { name: 'cp852', decoder: undefined },
  44: { name: 'cp857', decoder: undefined },
  45: { name: 'cp858', decoder: undefined },
  46: { name: 'cp862', decoder: undefined },
  47: { name: 'cp864', decoder: undefined },
  48: { name: 'cp865', decoder: undefined },
  49: { name: 'cp866', decoder: 'ibm866' },
  50: { name: 'cp869', decoder: undefined },
  51: { name: 'cp874', decoder: 'windows-874' },
  52: { name: 'cp921', decoder: undefined },
  53: { name: 'cp922', decoder: undefined },
  54: { name: 'cp1129', decoder: undefined },
  55: { name: 'cp720', decoder: undefined },
  56: { name: 'cp737', decoder: undefined },
  57: { name: 'cp775', decoder: undefined },
  58: { name: 'cp860', decoder: undefined },
  59: { name: 'cp863', decoder: undefined },
  60: { name: 'windows-1250', decoder: 'windows-1250' },
  61: { name: 'windows-1251', decoder: 'windows-1251' },
  62: { name: 'windows-1252', decoder: 'windows-1252' },
  63: { name: 'windows-1253', decoder: 'windows-1253' },
  64: { name: 'windows-1254', decoder: 'windows-1254' },
  65: { name: 'windows-1255', decoder: 'windows-1255' },
  66: { name: 'windows-1256', decoder: 'windows-1256' },
  67: { name: 'windows-1257', decoder: 'windows-1257' },
  68: { name: 'windows-1258', decoder: 'windows-1258' },
  69: { name: 'macroman', decoder: 'macintosh' },
  70: { name: 'macarabic', decoder: undefined },
  71: { name: 'machebrew', decoder: undefined },
  72: { name: 'macgreek', decoder: undefined },
  73: { name: 'macthai', decoder: undefined },
  75: { name: 'macturkish', decoder: undefined },
  76: { name: 'macukraine', decoder: 'x-mac-cyrillic' },
  // WHATWG big5 is Big5-HKSCS, a superset of Microsoft's cp950.
  118: { name: 'cp950', decoder: 'big5' },
  119: { name: 'euc-tw', decoder: undefined },
  123: { name: 'big5', decoder: 'big5' },
  // SAS "euc-cn"; GB18030 is a superset of it.
  125: { name: 'gb18030', decoder: 'gb18030' },
  // SAS "zwin".
  126: { name: 'windows-936', decoder: 'gbk' },
  // SAS "zpce".
  128: { name: 'cp1381', decoder: undefined },
  134: { name: 'euc-jp', decoder: 'euc-jp' },
  // SAS "ms-932"; WHATWG shift_jis is Microsoft's cp932.
  136: { name: 'cp932', decoder: 'shift_jis' },
  137: { name: 'cp942', decoder: undefined },
  // SAS "shift-jis"; SAS writes cp932 under that name.
  138: { name: 'shift_jis', decoder: 'shift_jis' },
  // WHATWG euc-kr is Microsoft's cp949, a superset of EUC-KR.
  140: { name: 'euc-kr', decoder: 'euc-kr' },
  // SAS "kpce" and "kwin".
  141: { name: 'cp949', decoder: 'euc-kr' },
  142: { name: 'cp949', decoder: 'euc-kr' },
  163: { name: 'maciceland', decoder: undefined },
  167: { name: 'iso-2022-jp', decoder: 'iso-2022-jp' },
  168: { name: 'iso-2022-kr', decoder: undefined },
  169: { name: 'iso-2022-cn', decoder: undefined },
  172: { name: 'iso-2022-cn-ext', decoder: undefined },
  // SAS "any": bytes written as they came; decode as the session default.
  204: { name: 'any', decoder: UNSPECIFIED_ENCODING_DECODER },
  205: { name: 'gb18030', decoder: 'gb18030' },
  227: { name: 'iso-8859-14', decoder: 'iso-8859-14' },
  242: { name: 'iso-8859-13', decoder: 'iso-8859-13' },
  245: { name: 'maccroatian', decoder: undefined },
  246: { name: 'maccyrillic', decoder: 'x-mac-cyrillic' },
  247: { name: 'macromania', decoder: undefined },
  248: { name: 'shift_jisx0213', decoder: undefined },
};

/** `undefined` for code 0 (nothing declared); an undecodable placeholder for codes nobody has mapped. */
export function sasEncoding(code: number): SasEncoding | undefined {
  if (code === 0) return undefined;
  return TABLE[code] ?? { name: `sas-encoding-${code}`, decoder: undefined };
}
