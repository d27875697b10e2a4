import { WORD_NAMED_EMOTES } from './emote-table';

/**
 * A single-pass, regex-free tokenizer for live-chat lines. It fills a reusable ChatTokens buffer so
 * the hot path allocates little more than the token strings themselves.
 *
 * What it knows about chat:
 *  - words (letters, digits, `_`, in-word apostrophes, which are dropped: "don't" → "dont"), lowercased;
 *  - elongation: runs of 3+ equal characters are cut to 2 ("sooooo" → "soo") and flagged, so the
 *    caller can also try the 1-character form ("so") and treat the stretch as emphasis;
 *  - laughter ("hahahah", "jajaja", "hehehe" → "haha"; "lololol" → "lol");
 *  - ALL-CAPS words (2+ letters) are flagged as shouted;
 *  - emoji (one token per pictograph; variation selectors, ZWJ and skin tones are dropped);
 *  - emoticons (":)", ":D", "<3", "D:", ">:(", …) with a canonical lowercase spelling, and the sarcasm marker "/s";
 *  - runs of "!" / "?" / mixed "?!" become one token ("!", "?", "?!") carrying the run length;
 *  - a leading "!command" becomes one "!cmd" token; URLs and @mentions are skipped entirely;
 *  - clause breaks (punctuation) are recorded so negation scope can stop there;
 *  - words the platform marked as emotes (their exact spelling is in `emotes`) become Emote tokens.
 */
export const enum TokenKind {
  Word = 0,
  Emoji = 1,
  Emoticon = 2,
  Punct = 3,
  Command = 4,
  /** A word the platform marked as an emote (message fragments): looked up only among known emotes. */
  Emote = 5,
}

/** Chat platforms cap messages at a few hundred characters; anything longer is read only this far. */
export const MAX_SCANNED_CHARS = 4096;

export class ChatTokens {
  count = 0;
  text: string[] = [];
  kind = new Uint8Array(64);
  /** Word written in capitals (2+ letters, no lowercase). */
  shouted = new Uint8Array(64);
  /** Word had a run of 3+ equal characters. */
  elongated = new Uint8Array(64);
  /** Punctuation run length ("!!!" → 3); 1 for everything else. */
  run = new Uint16Array(64);
  /** Punctuation (or a clause-ending emoji/emoticon) came before this token. */
  clauseStart = new Uint8Array(64);

  reset(): void {
    this.count = 0;
  }

  /** Drops the token strings so no fragment of the last message outlives the call that read it. */
  wipe(): void {
    for (let i = 0; i < this.count; i++) this.text[i] = '';
    this.count = 0;
  }

  push(text: string, kind: TokenKind, shouted: boolean, elongated: boolean, run: number, clauseStart: boolean): void {
    const i = this.count;
    if (i === this.kind.length) this.grow();
    this.text[i] = text;
    this.kind[i] = kind;
    this.shouted[i] = shouted ? 1 : 0;
    this.elongated[i] = elongated ? 1 : 0;
    this.run[i] = run;
    this.clauseStart[i] = clauseStart ? 1 : 0;
    this.count = i + 1;
  }

  private grow(): void {
    const n = this.kind.length * 2;
    const widen = <T extends Uint8Array | Uint16Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.kind = widen(this.kind, new Uint8Array(n));
    this.shouted = widen(this.shouted, new Uint8Array(n));
    this.elongated = widen(this.elongated, new Uint8Array(n));
    this.run = widen(this.run, new Uint16Array(n));
    this.clauseStart = widen(this.clauseStart, new Uint8Array(n));
  }
}

function isSpace(c: number): boolean {
  return c <= 32 || c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200b) || c === 0x2028 || c === 0x2029;
}

function isUpper(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 0xc0 && c <= 0xde && c !== 0xd7);
}

function isLower(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 0xdf && c <= 0xff && c !== 0xf7);
}

/** Letters, digits and `_`, plus non-ASCII letters from the common scripts (Latin-ext, Greek, Cyrillic, CJK, Hangul…). */
function isWordChar(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
  return (
    (c >= 0xc0 && c < 0x2000 && c !== 0xd7 && c !== 0xf7) ||
    (c >= 0x3040 && c <= 0x9fff) ||
    (c >= 0xac00 && c <= 0xd7af)
  );
}

function isApostrophe(c: number): boolean {
  return c === 39 || c === 0x2019;
}

/** Pictographs in the BMP (arrows, misc symbols, dingbats: ❤ ✨ ⭐ ☕ ✅ ❓ …). */
function isBmpEmoji(c: number): boolean {
  return (c >= 0x2190 && c <= 0x2bff) || c === 0x203c || c === 0x2049 || c === 0x3030 || c === 0x303d || c === 0x3297 || c === 0x3299 || c === 0xa9 || c === 0xae;
}

/** Invisible emoji glue: variation selectors, ZWJ, keycap. */
function isEmojiGlue(c: number): boolean {
  return c === 0xfe0f || c === 0xfe0e || c === 0x200d || c === 0x20e3;
}

function isPunctMark(c: number): number {
  // 1 = exclamation, 2 = question, 0 = neither.
  if (c === 33 || c === 0xff01 || c === 0xa1) return 1;
  if (c === 63 || c === 0xff1f || c === 0xbf) return 2;
  return 0;
}

/** "hahaha", "ahah", "hehehe", "jajaja", "hihi" → "haha"; "lolol", "lololol" → "lol". Input is lowercase. */
function canonicalLaugh(w: string): string | null {
  const n = w.length;
  if (n < 4) return null;
  const first = w.charCodeAt(0);
  if (first === 108 /* l */) {
    for (let i = 0; i < n; i++) {
      const c = w.charCodeAt(i);
      if (c !== (i % 2 === 0 ? 108 : 111)) return null;
    }
    return 'lol';
  }
  let hs = 0;
  for (let i = 0; i < n; i++) {
    const c = w.charCodeAt(i);
    if (c === 104 || c === 106) hs++; // h, j
    else if (c !== 97 && c !== 101 && c !== 105) return null; // a, e, i
  }
  return hs >= 2 && hs <= n - 2 ? 'haha' : null;
}

/** Cuts runs of 3+ equal characters to `keep` characters. Only called for elongated words. */
export function collapseRuns(w: string, keep: number): string {
  let out = '';
  let run = 0;
  let prev = -1;
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    run = c === prev ? run + 1 : 1;
    prev = c;
    if (run <= keep) out += w[i];
  }
  return out;
}

/** Lowercases a word span, drops apostrophes and cuts character runs to two. */
function normaliseWord(text: string, start: number, end: number, hasUpper: boolean, hasApostrophe: boolean, elongated: boolean): string {
  let w = hasUpper ? text.slice(start, end).toLowerCase() : text.slice(start, end);
  if (hasApostrophe) {
    let s = '';
    for (let i = 0; i < w.length; i++) if (!isApostrophe(w.charCodeAt(i))) s += w[i];
    w = s;
  }
  if (elongated) w = collapseRuns(w, 2);
  return canonicalLaugh(w) ?? w;
}

function startsWithAt(text: string, at: number, prefix: string): boolean {
  return text.startsWith(prefix, at);
}

/**
 * Matches an emoticon starting at `i`; returns its canonical spelling and length, or null.
 * Eyes ":" ";" "=" with an optional "-" nose or "'" tear, then a mouth; plus "<3", "</3", ">:(", "^^", "^_^", ";-;".
 */
function matchEmoticon(text: string, i: number, end: number): { token: string; length: number } | null {
  const c = text.charCodeAt(i);
  if (c === 60 /* < */) {
    if (i + 1 < end && text.charCodeAt(i + 1) === 51) return { token: '<3', length: 2 };
    if (startsWithAt(text, i, '</3')) return { token: '</3', length: 3 };
    return null;
  }
  if (c === 62 /* > */) return startsWithAt(text, i, '>:(') ? { token: '>:(', length: 3 } : null;
  if (c === 94 /* ^ */) {
    if (startsWithAt(text, i, '^^')) return { token: '^^', length: 2 };
    if (startsWithAt(text, i, '^_^')) return { token: '^^', length: 3 };
    return null;
  }
  if (c !== 58 && c !== 59 && c !== 61) return null; // : ; =
  // "3:30", "1:0" are times and scores, not faces.
  if (i > 0) {
    const before = text.charCodeAt(i - 1);
    if (before >= 48 && before <= 57) return null;
  }
  let j = i + 1;
  let tear = false;
  if (j < end && (text.charCodeAt(j) === 45 || isApostrophe(text.charCodeAt(j)))) {
    tear = isApostrophe(text.charCodeAt(j));
    j++;
  }
  if (j >= end) return null;
  const m = text.charCodeAt(j);
  let mouth: string | null = null;
  switch (m) {
    case 41: case 93: mouth = ')'; break; // ) ]
    case 40: case 91: mouth = '('; break; // ( [
    case 68: mouth = 'd'; break; // D
    case 80: case 112: case 98: mouth = 'p'; break; // P p b
    case 79: case 111: case 48: mouth = 'o'; break; // O o 0
    case 47: case 92: mouth = '/'; break; // / \
    case 124: mouth = '|'; break;
    case 51: mouth = '3'; break;
    case 42: mouth = '*'; break;
    case 59: mouth = c === 59 ? ';' : null; break; // ;-;
    default: mouth = null;
  }
  if (mouth === null) return null;
  let k = j + 1;
  // Repeated mouths (":)))", ":DDD") belong to the same face.
  while (k < end && text.charCodeAt(k) === m) k++;
  // A letter right after a letter-mouth means it was prose ("=Dave", ":param"), not a face.
  if (k < end && (mouth === 'd' || mouth === 'p' || mouth === 'o') && isWordChar(text.charCodeAt(k))) return null;
  const eyes = c === 59 ? ';' : ':';
  return { token: tear && mouth === '(' ? ":'(" : eyes + mouth, length: k - i };
}

/**
 * Tokenizes `text` into `out` (which is reset first). Never throws on any string input; reads at
 * most MAX_SCANNED_CHARS characters.
 */
export function tokenizeChat(text: string, out: ChatTokens, emotes?: ReadonlySet<string>): void {
  out.reset();
  const end = Math.min(text.length, MAX_SCANNED_CHARS);
  let i = 0;
  let clause = false;
  let atMessageStart = true;
  while (i < end) {
    const c = text.charCodeAt(i);

    if (isSpace(c)) {
      i++;
      continue;
    }

    // URLs and @mentions carry no sentiment and may carry identity: skip to the next space.
    if (c === 64 /* @ */ || ((c === 104 || c === 72) && (startsWithAt(text, i, 'http://') || startsWithAt(text, i, 'https://'))) || startsWithAt(text, i, 'www.')) {
      while (i < end && !isSpace(text.charCodeAt(i))) i++;
      atMessageStart = false;
      continue;
    }

    if (isWordChar(c)) {
      const start = i;
      let upper = 0;
      let lower = 0;
      let run = 0;
      let maxRun = 0;
      let prev = -1;
      let hasApostrophe = false;
      let nonAscii = false; // Greek, Cyrillic… have capitals isUpper does not know
      while (i < end) {
        const d = text.charCodeAt(i);
        if (isWordChar(d)) {
          if (isUpper(d)) upper++;
          else if (isLower(d)) lower++;
          else if (d >= 128) nonAscii = true;
        } else if (isApostrophe(d) && i + 1 < end && isWordChar(text.charCodeAt(i + 1)) && i > start) {
          hasApostrophe = true;
        } else break;
        const folded = d | 32;
        run = folded === prev ? run + 1 : 1;
        prev = folded;
        if (run > maxRun) maxRun = run;
        i++;
      }
      // "D:" is a shocked face, not the letter D.
      if (i - start === 1 && c === 68 && i < end && text.charCodeAt(i) === 58 && (i + 1 >= end || isSpace(text.charCodeAt(i + 1)))) {
        out.push('d:', TokenKind.Emoticon, false, false, 1, clause);
        clause = false;
        i++;
        atMessageStart = false;
        continue;
      }
      // Marked by the platform, or a word-named emote in its exact spelling ("Clueless", not "clueless").
      if ((emotes !== undefined && emotes.has(text.slice(start, i))) || WORD_NAMED_EMOTES.has(text.slice(start, i))) {
        out.push(text.slice(start, i).toLowerCase(), TokenKind.Emote, false, false, 1, clause);
        clause = false;
        atMessageStart = false;
        continue;
      }
      const elongated = maxRun >= 3;
      out.push(normaliseWord(text, start, i, upper > 0 || nonAscii, hasApostrophe, elongated), TokenKind.Word, upper >= 2 && lower === 0, elongated, 1, clause);
      clause = false;
      atMessageStart = false;
      continue;
    }

    const mark = isPunctMark(c);
    if (mark !== 0) {
      // "!uptime" at the very start is a bot command (usually a request for information).
      if (mark === 1 && atMessageStart && i + 1 < end && isWordChar(text.charCodeAt(i + 1))) {
        i++;
        while (i < end && isWordChar(text.charCodeAt(i))) i++;
        out.push('!cmd', TokenKind.Command, false, false, 1, clause);
        atMessageStart = false;
        continue;
      }
      let bangs = 0;
      let questions = 0;
      while (i < end) {
        const m = isPunctMark(text.charCodeAt(i));
        if (m === 1) bangs++;
        else if (m === 2) questions++;
        else if (!isSpace(text.charCodeAt(i)) || i + 1 >= end || isPunctMark(text.charCodeAt(i + 1)) === 0) break;
        i++;
      }
      const token = bangs > 0 && questions > 0 ? '?!' : bangs > 0 ? '!' : '?';
      out.push(token, TokenKind.Punct, false, false, Math.min(bangs + questions, 65535), clause);
      clause = true;
      atMessageStart = false;
      continue;
    }

    // "/s" closing a remark is the sarcasm marker.
    if (c === 47 && i + 1 < end && (text.charCodeAt(i + 1) | 32) === 115 && (i + 2 >= end || !isWordChar(text.charCodeAt(i + 2)))) {
      out.push('/s', TokenKind.Emoticon, false, false, 1, clause);
      clause = false;
      i += 2;
      atMessageStart = false;
      continue;
    }

    const face = matchEmoticon(text, i, end);
    if (face !== null) {
      out.push(face.token, TokenKind.Emoticon, false, false, 1, clause);
      clause = false;
      i += face.length;
      atMessageStart = false;
      continue;
    }

    // Surrogate pair: decode; keep pictographs, drop skin-tone modifiers and everything else.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const lo = text.charCodeAt(i + 1);
      const cp = ((c - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
      if (cp >= 0x1f000 && cp <= 0x1faff && !(cp >= 0x1f3fb && cp <= 0x1f3ff)) {
        out.push(text.slice(i, i + 2), TokenKind.Emoji, false, false, 1, clause);
        clause = false;
      }
      i += 2;
      atMessageStart = false;
      continue;
    }

    if (isBmpEmoji(c)) {
      out.push(text[i], TokenKind.Emoji, false, false, 1, clause);
      clause = false;
    } else if (!isEmojiGlue(c) && c !== 39 && c !== 34 && c !== 0x2019) {
      // Any other punctuation (. , ; : - …) ends a clause.
      clause = true;
    }
    i++;
    atMessageStart = false;
  }
}
