import { describe, expect, it } from 'vitest';
import {
  analyze,
  charWbNgrams,
  hashTerm,
  murmurhash3String,
  murmurhash3X86_32,
  tokenize,
  wordNgrams,
} from '../../src/training/text-hashing';
import { golden } from './training-golden';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('MurmurHash3_x86_32', () => {
  it('matches the published reference vectors', () => {
    // SMHasher's verification values and the widely used test vectors for MurmurHash3_x86_32.
    expect(murmurhash3X86_32(new Uint8Array(0), 0)).toBe(0);
    expect(murmurhash3X86_32(new Uint8Array(0), 1)).toBe(0x514e28b7);
    expect(murmurhash3X86_32(new Uint8Array(0), 0xffffffff)).toBe(0x81f16f39);
    expect(murmurhash3X86_32(new Uint8Array(4), 0)).toBe(0x2362f9de);
    expect(murmurhash3X86_32(Uint8Array.of(0xff, 0xff, 0xff, 0xff), 0)).toBe(0x76293b50);
    expect(murmurhash3X86_32(Uint8Array.of(0x21, 0x43, 0x65, 0x87), 0)).toBe(0xf55b516b);
    expect(murmurhash3X86_32(Uint8Array.of(0x21, 0x43, 0x65, 0x87), 0x5082edee)).toBe(0x2362f9de);
    expect(murmurhash3X86_32(Uint8Array.of(0x21, 0x43, 0x65), 0)).toBe(0x7e4a8634);
    expect(murmurhash3X86_32(Uint8Array.of(0x21, 0x43), 0)).toBe(0xa0f7b07a);
    expect(murmurhash3X86_32(Uint8Array.of(0x21), 0)).toBe(0x72661cf4);
    expect(murmurhash3X86_32(utf8('aaaa'), 0x9747b28c)).toBe(0x5a97808a);
    expect(murmurhash3X86_32(utf8('abc'), 0)).toBe(0xb3dd93fa);
    expect(murmurhash3X86_32(utf8('Hello, world!'), 0x9747b28c)).toBe(0x24884cba);
    expect(murmurhash3X86_32(utf8('The quick brown fox jumps over the lazy dog'), 0x9747b28c)).toBe(
      0x2fa826cd,
    );
  });

  it("agrees with sklearn's murmurhash3_32 (signed) on UTF-8 strings", () => {
    expect(golden.murmurhash.length).toBeGreaterThan(10);
    for (const { text, seed, s32 } of golden.murmurhash) {
      expect(murmurhash3String(text, seed), `${text}/${seed}`).toBe(s32);
    }
  });

  it('maps a hash to bucket |h| mod dim with the sign of h', () => {
    const h = murmurhash3String('spam');
    const { index, sign } = hashTerm('spam', 1000);
    expect(index).toBe(Math.abs(h) % 1000);
    expect(sign).toBe(h >= 0 ? 1 : -1);
  });
});

describe('sklearn-compatible analysers', () => {
  it('tokenises like (?u)\\b\\w\\w+\\b after lowercasing (one-character tokens dropped)', () => {
    expect(tokenize('I love NLP, a 2 b_c x2!')).toEqual(['love', 'nlp', 'b_c', 'x2']);
    expect(tokenize('Naïve café, Straße 東京')).toEqual(['naïve', 'café', 'straße', '東京']);
    // A combining accent is not a word character in Python's \w: 'e' + U+0301 + 'cole' → 'cole'.
    expect(tokenize('e\u0301cole')).toEqual(['cole']);
    expect(tokenize('')).toEqual([]);
  });

  it('builds word n-grams and char_wb n-grams', () => {
    expect(wordNgrams(['a1', 'b2', 'c3'], [1, 2])).toEqual(['a1', 'b2', 'c3', 'a1 b2', 'b2 c3']);
    expect(charWbNgrams('Hi', [2, 3])).toEqual([' h', 'hi', 'i ', ' hi', 'hi ']);
    // A padded word that fits in one n-gram is counted once; longer n are skipped (sklearn).
    expect(charWbNgrams('a', [2, 4])).toEqual([' a', 'a ', ' a ']);
  });

  it('produces the same terms as sklearn for every golden document', () => {
    for (const c of golden.text) {
      golden.corpus.forEach((doc, i) => {
        const terms = analyze(doc, { ngramRange: c.ngram_range, charNgrams: c.char_ngrams });
        expect(terms, `${c.name} doc ${i}`).toEqual(c.terms[i]);
      });
    }
  });
});
