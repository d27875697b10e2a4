/**
 * Text normalisation before tokenizing: undoes the tricks chat uses (deliberately or not) to write a word so that a
 * lexicon does not recognise it, without changing what an ordinary message says.
 *
 *  1. Unicode NFKC: full-width forms ("ｈａｔｅ"), mathematical alphanumerics ("𝐡𝐚𝐭𝐞", "𝓱𝓪𝓽𝓮"), circled and
 *     parenthesised letters, ligatures, superscripts — every compatibility variant of a letter becomes the letter.
 *  2. Invisible characters removed: zero-width space/joiners, word joiner, BOM, soft hyphen, Mongolian vowel
 *     separator, the bidi embedding/override/isolate controls and marks, and the invisible math operators. They split
 *     a word for the tokenizer ("t\u200br\u200ba\u200bs\u200bh") while showing nothing on screen.
 *  3. Stacked combining marks ("Zalgo" text) dropped: a base letter keeps at most one mark.
 *  4. Look-alike letters folded to Latin within a word that is Latin-looking: Cyrillic, Greek and Latin small-capital /
 *     IPA letters that are drawn like a Latin letter (the Unicode confusables of the Latin alphabet in those blocks).
 *     A word is folded when it mixes such letters with Latin ones ("hаte" with a Cyrillic а) or consists only of
 *     them; real Cyrillic or Greek words contain letters with no Latin twin and stay as they are.
 *
 * Swear words masked with symbols ("f*ck", "sh!t") are unmasked.
 *
 * Long letter repeats are squeezed by the tokenizer (it cuts runs to two and flags the word as stretched) and
 * leetspeak is undone at lookup time, where the lexicon can confirm the reading is unambiguous (see deleet).
 */

/** Invisible format characters that can sit inside a word. Emoji ZWJ sequences lose their joiner, which the tokenizer drops anyway. */
function isInvisible(c: number): boolean {
  return (
    (c >= 0x200b && c <= 0x200f) || // zero-width space, ZWNJ, ZWJ, LRM, RLM
    (c >= 0x202a && c <= 0x202e) || // bidi embeddings and overrides
    (c >= 0x2060 && c <= 0x206f) || // word joiner, invisible operators, bidi isolates, deprecated format controls
    c === 0xfeff ||
    c === 0x00ad ||
    c === 0x180e ||
    c === 0x061c ||
    c === 0x034f || // combining grapheme joiner
    c === 0x2800 || // braille blank
    c === 0x3164 || c === 0x115f || c === 0x1160 || c === 0xffa0 // Hangul fillers (render as nothing)
  );
}

/** Tag characters U+E0000–E007F (invisible; some chat clients append U+E0000): as UTF-16, 0xDB40 then 0xDC00–0xDC7F. */
function isTagPair(high: number, low: number): boolean {
  return high === 0xdb40 && low >= 0xdc00 && low <= 0xdc7f;
}

function isCombiningMark(c: number): boolean {
  return (c >= 0x0300 && c <= 0x036f) || (c >= 0x1ab0 && c <= 0x1aff) || (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x20d0 && c <= 0x20ff) || (c >= 0xfe20 && c <= 0xfe2f);
}

/**
 * Letters drawn like a Latin letter, by block (Unicode confusables restricted to the Latin alphabet):
 * Cyrillic, Greek and the Latin small capitals / IPA letters used as "fancy text".
 */
const LOOKALIKES: Readonly<Record<string, string>> = {
  // Cyrillic capitals and small letters
  А: 'a', В: 'b', Е: 'e', Ё: 'e', К: 'k', М: 'm', Н: 'h', О: 'o', Р: 'p', С: 'c', Т: 't', У: 'y', Х: 'x', Ѕ: 's', І: 'i', Ї: 'i', Ј: 'j', Ԛ: 'q', Ԝ: 'w',
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', ѕ: 's', і: 'i', ї: 'i', ј: 'j', һ: 'h', ԛ: 'q', ԝ: 'w', ɡ: 'g', ԁ: 'd', ь: 'b', г: 'r', п: 'n', и: 'u', ѵ: 'v', ӏ: 'l',
  // Greek capitals and small letters
  Α: 'a', Β: 'b', Ε: 'e', Ζ: 'z', Η: 'h', Ι: 'i', Κ: 'k', Μ: 'm', Ν: 'n', Ο: 'o', Ρ: 'p', Τ: 't', Υ: 'y', Χ: 'x',
  α: 'a', β: 'b', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w', γ: 'y', η: 'n', μ: 'u',
  // Latin small capitals and IPA letters
  ᴀ: 'a', ʙ: 'b', ᴄ: 'c', ᴅ: 'd', ᴇ: 'e', ꜰ: 'f', ɢ: 'g', ʜ: 'h', ɪ: 'i', ᴊ: 'j', ᴋ: 'k', ʟ: 'l', ᴍ: 'm', ɴ: 'n', ᴏ: 'o', ᴘ: 'p', ʀ: 'r', ꜱ: 's', ᴛ: 't', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ʏ: 'y', ᴢ: 'z', ɑ: 'a', ɩ: 'i', ɵ: 'o', ʋ: 'u',
};

function isLatinLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function isLetterLike(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return isLatinLetter(c) || (c >= 0xc0 && c < 0x2000 && c !== 0xd7 && c !== 0xf7) || (c >= 0x1d00 && c <= 0x1dbf) || (c >= 0xa720 && c <= 0xa7ff);
}

/**
 * Look-alikes that resemble a Latin letter only as a small capital or in italics (lowercase Cyrillic в к м
 * н т г п и ь ѵ, most lowercase Greek). They make up common words of their own script ("вот", "он", "ну"),
 * so a word written only in look-alikes is folded only when none of its letters is one of these.
 */
const WEAK_LOOKALIKES = new Set([...'вкмнтгпиьѵβεκντυχωγημ']);

/** Folds the look-alike letters of one word, if the word is Latin-looking (see the file comment). */
function foldWord(word: string, nativeScript: boolean, messageHasLatin: boolean): string {
  let latin = 0;
  let lookalike = 0;
  let other = 0;
  for (const ch of word) {
    if (isLatinLetter(ch.charCodeAt(0))) latin++;
    else if (LOOKALIKES[ch] !== undefined) lookalike++;
    else if (isLetterLike(ch)) other++;
  }
  if (lookalike === 0 || other > 0) return word;
  if (latin === 0) {
    // A lone Cyrillic/Greek letter ("и", "α") is a word of its own script, not a disguise.
    if (lookalike < 2 || nativeScript) return word;
    // "вот", "он": ordinary words of that script, not a disguise (see WEAK_LOOKALIKES).
    for (const ch of word) if (WEAK_LOOKALIKES.has(ch)) return word;
    // "ВОТ" alone: Russian shouting; in capitals among Latin words it is a disguise.
    if (!messageHasLatin && word === word.toUpperCase()) return word;
  }
  let out = '';
  for (const ch of word) {
    const latin = LOOKALIKES[ch];
    // A capital stays a capital, so shouting in look-alikes is still shouting.
    out += latin === undefined ? ch : ch !== ch.toLowerCase() ? latin.toUpperCase() : latin;
  }
  return out;
}

/** True when the text has nothing normalise() would change (the common case: plain ASCII). */
function isPlainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 126) return false;
  return true;
}

/**
 * Normalises one chat message (see the file comment). Pure; never throws on any string; lone surrogates pass through.
 * The result is at most as long as NFKC makes it.
 */
export function normaliseChat(text: string): string {
  if (isPlainAscii(text)) return unspace(hasMask(text) ? unmask(text) : text);
  return unspace(normaliseUnicode(text));
}

/**
 * A word spelled out in single letters with one kind of separator between them ("h a t e", "t.r.a.s.h",
 * "k-y-s"): at least three letters, joined back into the word. Two letters ("G G") and letters mixed with
 * words are left alone.
 */
const SPELLED_OUT = /(?<![A-Za-z])[A-Za-z](?:([ ._-])[A-Za-z])(?:\1[A-Za-z])+(?![A-Za-z])/g;

/** A cheap pre-check for SPELLED_OUT (no look-behind, no back-reference): most lines fail it at once. */
const MAYBE_SPELLED = /[A-Za-z][ ._-][A-Za-z][ ._-][A-Za-z]/;

function unspace(text: string): string {
  if (text.length < 5 || !MAYBE_SPELLED.test(text)) return text;
  return text.replace(SPELLED_OUT, (run, separator: string) => run.split(separator).join(''));
}

function normaliseUnicode(text: string): string {
  const nfkc = text.normalize('NFKC');
  let stripped = '';
  let marks = 0;
  for (let i = 0; i < nfkc.length; i++) {
    const c = nfkc.charCodeAt(i);
    if (isInvisible(c)) continue;
    if (isTagPair(c, nfkc.charCodeAt(i + 1))) {
      i++;
      continue;
    }
    if (isCombiningMark(c)) {
      // After NFKC an accented Latin letter is one code point, so a mark still left on a Latin letter is decoration.
      if (++marks > 1 || isLatinLetter(stripped.charCodeAt(stripped.length - 1))) continue;
    } else marks = 0;
    stripped += nfkc[i];
  }
  let changed = false;
  const words = stripped.split(/(\s+)/);
  // A message with letters of its own script ("Привет мир") is written in that script: only words that mix
  // look-alikes into Latin are folded then.
  let nativeScript = false;
  let messageHasLatin = false;
  for (const ch of stripped) {
    const c = ch.charCodeAt(0);
    if (isLatinLetter(c)) messageHasLatin = true;
    else if (LOOKALIKES[ch] === undefined && isLetterLike(ch)) nativeScript = true;
  }
  for (let i = 0; i < words.length; i += 2) {
    const folded = foldWord(words[i], nativeScript, messageHasLatin);
    if (folded !== words[i]) {
      words[i] = folded;
      changed = true;
    }
  }
  const folded = changed ? words.join('') : stripped;
  return hasMask(folded) ? unmask(folded) : folded;
}

/** Swear words with letters masked by symbols ("f*ck", "sh!t", "a**hole"): the mask hides nothing from a reader. */
const MASKED: readonly [RegExp, string][] = [
  [/\bf[*#@!%$]+c?k(ing|in|ed|er|s)?\b/gi, 'fuck$1'],
  [/\bf[*#@!%$]+(ing|in)\b/gi, 'fucking'],
  [/\bf[*#]{3}(?![\w*#])/gi, 'fuck'],
  [/\bsh[*#@!%$1i]+t(ty|s)?\b/gi, 'shit$1'],
  [/\bb[*#@!%$1i]+tch(es)?\b/gi, 'bitch$1'],
  [/\ba[*#@!%$]{2}(hole)?\b/gi, 'ass$1'],
  [/\bd[*#@!%$]+mn\b/gi, 'damn'],
];

function isMaskChar(c: number): boolean {
  return c === 42 || c === 35 || c === 33 || c === 36 || c === 64 || c === 37; // * # ! $ @ %
}

/** Cheap pre-check for unmask: a letter followed by mask symbols and then a letter, or by three or more of them. */
function hasMask(text: string): boolean {
  for (let i = 1; i < text.length; i++) {
    if (!isMaskChar(text.charCodeAt(i)) || !isLatinLetter(text.charCodeAt(i - 1))) continue;
    let j = i;
    while (j < text.length && isMaskChar(text.charCodeAt(j))) j++;
    if (j - i >= 3 || (j < text.length && isLatinLetter(text.charCodeAt(j)))) return true;
    i = j;
  }
  return false;
}

function unmask(text: string): string {
  let out = text;
  for (const [pattern, word] of MASKED) out = out.replace(pattern, word);
  return out;
}

const LEET: Readonly<Record<string, string>> = { '0': 'o', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };

/**
 * Reads a lowercase word with digits as leetspeak ("tr4sh" → "trash", "n00b" → "noob", "1d10t" → "idiot"). Returns
 * the candidates to look up ("1" is "i" or "l"), or none when the word is not letters-and-digits or is mostly digits
 * ("2v2", "1000"). The caller keeps a reading only if the lexicon knows it, which is what makes it unambiguous.
 */
export function deleet(word: string): string[] {
  let letters = 0;
  let digits = 0;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c >= 97 && c <= 122) letters++;
    else if ((c >= 48 && c <= 57) || c === 64 || c === 36) digits++;
    else return [];
  }
  if (digits === 0 || letters === 0 || word.length < 3) return [];
  let base = '';
  for (const ch of word) base += LEET[ch] ?? ch;
  if (!base.includes('1')) return /\d/.test(base) ? [] : [base];
  const asI = base.replace(/1/g, 'i');
  const asL = base.replace(/1/g, 'l');
  return /\d/.test(asI) ? [] : [asI, asL];
}
