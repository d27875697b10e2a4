import { SentimentCategory as C } from '@lib-stream/privacy';

import { LEARNED_CLASSES, type LearnedWeights } from './learned-weights';
import { LexiconSentimentProcessor } from './lexicon-sentiment.processor';

describe('LexiconSentimentProcessor', () => {
  // Floor 0: these cases are about the reading itself; the floor has its own specs.
  const processor = new LexiconSentimentProcessor({ floor: 0 });
  const analyze = (text: string) => {
    const verdict = processor.analyze(text);
    return { category: verdict.candidate, intensity: verdict.result?.intensity ?? 0 };
  };
  const intensity = (text: string) => analyze(text).intensity;

  describe('categories of representative chat lines', () => {
    it.each<[string, C]>([
      ['PogChamp PogChamp LETS GOOOO', C.Excited],
      ['hype train lets gooo', C.Excited],
      ['🔥🔥🔥', C.Excited],
      ['POGGERS clutch', C.Excited],
      ['gg well played <3', C.Supportive],
      ['thanks for the stream, love you', C.Supportive],
      ['SeemsGood nice one', C.Supportive],
      ['that was a terrible decision', C.Critical],
      ['this patch is so mid', C.Critical],
      ['NotLikeThis he threw', C.Critical],
      ['what game is this?', C.Curious],
      ['how many hours does he have', C.Curious],
      ['🤔 which settings', C.Curious],
      ['WHAT?!', C.Surprised],
      ['no way 😱', C.Surprised],
      ['monkaS', C.Surprised],
      ['KEKW', C.Amused],
      ['LUL that was so bad lmao', C.Amused],
      ['hahahaha 😂', C.Amused],
      ['ResidentSleeper', C.Bored],
      ['this is boring zzz', C.Bored],
      ['😴💤', C.Bored],
      ["you're trash, uninstall", C.Hostile],
      ['stfu idiot', C.Hostile],
      ['🤬🤬', C.Hostile],
    ])('%s → %s', (text, category) => {
      expect(analyze(text).category).toBe(category);
    });

    it('reads the same insult as Critical about a thing and Hostile about a person', () => {
      expect(analyze('this patch is trash').category).toBe(C.Critical);
      expect(analyze("you're trash").category).toBe(C.Hostile);
    });

    it('lets a laugh emote win over a negative word ("laughing at a fail")', () => {
      expect(analyze('OMEGALUL he fell off the map').category).toBe(C.Amused);
    });
  });

  describe('intensity', () => {
    it('lets capitals raise intensity but not the confidence the floor is compared with', () => {
      const plain = processor.analyze('run it back');
      const caps = processor.analyze('RUN IT BACK');
      expect(caps.confidence).toBe(plain.confidence);
      expect(caps.result?.intensity).toBeGreaterThan(plain.result?.intensity ?? 1);
    });

    it('rises with caps, elongation and exclamation marks', () => {
      const plain = intensity('lets go');
      const caps = intensity('LETS GO');
      const stretched = intensity('LETS GOOOOOO');
      const shouted = intensity('LETS GOOOOOO!!!');
      expect(plain).toBeLessThan(caps);
      expect(caps).toBeLessThan(stretched);
      expect(stretched).toBeLessThan(shouted);
    });

    it('rises with emote repetition, with diminishing returns', () => {
      const one = intensity('KEKW');
      const two = intensity('KEKW KEKW');
      const four = intensity('KEKW KEKW KEKW KEKW');
      expect(one).toBeLessThan(two);
      expect(two).toBeLessThan(four);
      expect(two - one).toBeGreaterThan(four - two);
    });

    it('rises with intensifiers and falls with downtoners', () => {
      expect(intensity('boring')).toBeLessThan(intensity('so boring'));
      expect(intensity('so boring')).toBeLessThan(intensity('extremely boring'));
      expect(intensity('kinda boring')).toBeLessThan(intensity('boring'));
      expect(analyze('kinda boring').category).toBe(C.Bored);
    });

    it('is low for neutral text and higher for clear emotion', () => {
      const neutral = analyze('i am eating dinner at the table');
      expect(neutral.intensity).toBeLessThan(0.2);
      expect(intensity('PogChamp PogChamp LETS GOOOO')).toBeGreaterThan(0.9);
      expect(intensity('KEKW')).toBeGreaterThan(neutral.intensity + 0.2);
    });
  });

  describe('negation', () => {
    it('"not bad" is not strong criticism, while "bad" is', () => {
      expect(analyze('bad').category).toBe(C.Critical);
      const notBad = analyze('not bad');
      expect(notBad.category === C.Critical && notBad.intensity > 0.3).toBe(false);
      expect(notBad.category).toBe(C.Supportive);
    });

    it('"not good" and "not funny" turn critical', () => {
      expect(analyze('good').category).toBe(C.Supportive);
      expect(analyze('not good').category).toBe(C.Critical);
      expect(analyze('funny').category).toBe(C.Amused);
      expect(analyze('not funny').category).toBe(C.Critical);
    });

    it('stops at punctuation: "no, good game" stays supportive', () => {
      expect(analyze('no, good game').category).toBe(C.Supportive);
    });

    it('keeps "no way" as surprise rather than a negated "way"', () => {
      expect(analyze('no way').category).toBe(C.Surprised);
    });
  });

  describe('edge cases', () => {
    it.each(['', '   ', '\n\t', '\u200b\u200b\u200b', '\u200b \u2060\ufeff \u202e'])('has no sentiment for empty or invisible-only input %j', (text) => {
      const verdict = processor.analyze(text);
      expect(verdict).toMatchObject({ result: null, candidate: null, confidence: 0, reason: 'empty' });
    });

    it('scores emoji-only messages', () => {
      expect(analyze('😂').category).toBe(C.Amused);
      expect(analyze('❤️❤️').category).toBe(C.Supportive);
      expect(analyze('😱').category).toBe(C.Surprised);
    });

    it('has no sentiment for a message that starts with a bot command, whatever follows', () => {
      for (const text of ['!lurk', '!discord', '!gamble all', '!sr never gonna give you up', '!play love this song']) {
        expect(processor.analyze(text)).toMatchObject({ result: null, reason: 'bot-command' });
      }
      // Only at the start: praise with an exclamation mark is still read.
      expect(processor.analyze('love this!')).toMatchObject({ reason: 'scored' });
    });

    it('has no sentiment for words it does not know', () => {
      expect(processor.analyze('qwzx vbnm')).toMatchObject({ result: null, reason: 'no-evidence' });
    });

    it('handles a 10 KB message quickly without throwing', () => {
      const long = 'KEKW that was so bad lmao '.repeat(400);
      expect(long.length).toBeGreaterThan(10_000);
      const started = Date.now();
      const r = analyze(long);
      expect(Date.now() - started).toBeLessThan(200);
      expect(r.category).toBe(C.Amused);
      expect(r.intensity).toBeLessThanOrEqual(1);
    });

    it('never throws on odd input and always returns intensity in [0, 1]', () => {
      const odd = ['\ud800', '\udfff\ud800', '???', '!!!!!!!!', '<3<3<3<3', ':):):)', 'a'.repeat(50_000), '\u0000'.repeat(10), '🏽🏽', 'ÄÖÜ ÉCLATANT', 'Привет', '草草草'];
      for (const text of odd) {
        const r = analyze(text);
        expect(r.intensity).toBeGreaterThanOrEqual(0);
        expect(r.intensity).toBeLessThanOrEqual(1);
      }
      expect(processor.analyze(null as unknown as string).reason).toBe('empty');
    });
  });

  describe('determinism and isolation', () => {
    it('gives the same answer regardless of what came before or which instance answers', () => {
      const lines = ['KEKW KEKW', 'not bad', 'you are trash', 'LETS GOOO!!!', 'what?'];
      const first = lines.map(analyze);
      const reversed = [...lines].reverse().map(analyze).reverse();
      const fresh = new LexiconSentimentProcessor({ floor: 0 });
      expect(reversed).toEqual(first);
      expect(lines.map((l) => fresh.analyze(l)).map((v) => ({ category: v.candidate, intensity: v.result?.intensity ?? 0 }))).toEqual(first);
    });

    it('keeps no trace of the message after analyzeText returns', () => {
      const secret = 'zqxjvwmarker';
      analyze(`${secret} KEKW ${secret.toUpperCase()}`);
      expect(reachableStrings(processor).some((s) => s.includes(secret))).toBe(false);
    });
  });

  it('works from the chat lexicon alone with an empty learned model', () => {
    const empty: LearnedWeights = { about: 'empty', classes: [...LEARNED_CLASSES], scale: 100, bias: LEARNED_CLASSES.map(() => 0), tokens: {} };
    const lexiconOnly = new LexiconSentimentProcessor({ model: empty, floor: 0 });
    expect(lexiconOnly.analyze('KEKW').candidate).toBe(C.Amused);
    expect(lexiconOnly.analyze('ResidentSleeper').candidate).toBe(C.Bored);
    expect(lexiconOnly.analyze('PogChamp').candidate).toBe(C.Excited);
  });
});

/** Every string reachable from `root` (object fields, arrays, Map/Set keys and values). */
function reachableStrings(root: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') out.push(v);
    if (typeof v !== 'object' || v === null || seen.has(v) || ArrayBuffer.isView(v)) continue;
    seen.add(v);
    if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    else if (v instanceof Set) for (const x of v) stack.push(x);
    else for (const x of Object.values(v)) stack.push(x);
  }
  return out;
}
