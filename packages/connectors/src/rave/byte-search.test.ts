import { describe, expect, it } from 'vitest';
import { indexOfLed, ledNeedle, MARKUP_BANG, MARKUP_QUESTION, SUBJECT_TAG } from './byte-search.ts';

/** Buffers made of the needles' own bytes and their parts, so partial matches, overlaps and ends occur often. */
function buffers(): Buffer[] {
  const parts = ['<', '!', '?', 'j', 'a', '<Subj', 'ectData', '<SubjectData', '<SubjectDat', '<!', '<?', 'j<', '<<!'];
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const out: Buffer[] = [Buffer.alloc(0), Buffer.from('<'), Buffer.from('!'), Buffer.from('<SubjectData')];
  for (let n = 0; n < 300; n++) {
    const length = Math.floor(random() * 12);
    out.push(Buffer.from(Array.from({ length }, () => parts[Math.floor(random() * parts.length)]).join(''), 'latin1'));
  }
  return out;
}

describe('indexOfLed', () => {
  it('finds what Buffer.indexOf finds, from every position', () => {
    for (const needle of [MARKUP_BANG, MARKUP_QUESTION, SUBJECT_TAG, ledNeedle('ab', 'a')]) {
      for (const buf of buffers()) {
        for (let from = -1; from <= buf.length + 1; from++) {
          expect(indexOfLed(buf, needle, from)).toBe(buf.indexOf(needle.bytes, Math.max(from, 0)));
        }
      }
    }
  });

  it('refuses a lead byte the needle does not hold', () => {
    expect(() => ledNeedle('<!', 'j')).toThrow(/not in/);
  });
});
