import { SentimentCategory as C } from '@lib-stream/privacy';

import { EMOTES } from './emote-table';
import { LexiconSentimentProcessor } from './lexicon-sentiment.processor';

const NEGATIVE = new Set<C | null>([C.Critical, C.Hostile, C.Bored]);

describe('chat reading (issue #16)', () => {
  const processor = new LexiconSentimentProcessor();
  const category = (text: string, emotes?: string[]) => processor.analyze(text, emotes ? { emotes: emotes.map((e) => ({ text: e })) } : undefined).result?.category ?? null;

  describe('the failing inputs of the issue', () => {
    it('reads a word split by zero-width spaces', () => {
      expect(category('t\u200br\u200ba\u200bs\u200bh streamer')).toBe(C.Hostile);
    });

    it('reads full-width letters and their family (mathematical, small capitals, Cyrillic look-alikes)', () => {
      expect(category('ｈａｔｅ this streamer')).toBe(C.Hostile);
      expect(category('𝐡𝐚𝐭𝐞 this streamer')).toBe(C.Hostile);
      expect(category('ʜᴀᴛᴇ this streamer')).toBe(C.Hostile);
      expect(category('hаtе this streamer')).toBe(C.Hostile);
    });

    it('does not let a negator flip a sad emoticon: "nothing for redheads :("', () => {
      expect(NEGATIVE.has(category('nothing for redheads :('))).toBe(true);
    });

    it('weights "not X but Y" toward the second clause', () => {
      expect(NEGATIVE.has(category('Not the worst ever but definitely worst this year'))).toBe(true);
      expect(processor.analyze('Not the worst ever but definitely worst this year').cues).toContain('contrast');
      expect(category('the start was rough but he played amazing')).toBe(C.Supportive);
    });

    it.each(['\u200b\u200b\u200b', '   ', '\u200b \u2060 \u202e'])('has no sentiment for invisible-only or blank text %j', (text) => {
      expect(processor.analyze(text)).toMatchObject({ result: null, reason: 'empty' });
    });
  });

  describe('no sentiment below the floor', () => {
    it('gives greetings and small talk no sentiment', () => {
      expect(category('hello')).toBeNull();
      expect(category('just got home from work')).toBeNull();
      expect(processor.analyze('just got home from work').reason).toMatch(/below-floor|no-evidence/);
    });

    it('reports the candidate and confidence even when below the floor', () => {
      const verdict = new LexiconSentimentProcessor({ floor: 0.99 }).analyze('nice');
      expect(verdict).toMatchObject({ result: null, candidate: C.Supportive, reason: 'below-floor', floor: 0.99 });
      expect(verdict.confidence).toBeGreaterThan(0);
    });

    it('rejects a floor outside 0..1', () => {
      expect(() => new LexiconSentimentProcessor({ floor: 1.5 })).toThrow(RangeError);
      expect(() => new LexiconSentimentProcessor({ floor: Number.NaN })).toThrow(RangeError);
    });
  });

  describe('mockery', () => {
    it.each(['great play LUL', 'what a genius move OMEGALUL', 'best player in the world ICANT', 'amazing aim LULW', 'great plan Clueless', 'nice one Kappa', 'great idea /s'])(
      'reads praise followed by a laugh or irony emote as ridicule: %s',
      (text) => {
        expect(category(text)).toBe(C.Critical);
        expect(processor.analyze(text).cues).toContain('mockery');
      },
    );

    it.each(['great game, surely we win the next one', 'love this, surely', 'thanks, great tutorial, i was clueless before', 'amazing build, I was totally clueless'])(
      'reads an ordinary word that names an emote as the word, never as mockery: %s',
      (text) => {
        expect(processor.analyze(text).cues).not.toContain('mockery');
        expect(NEGATIVE.has(category(text))).toBe(false);
      },
    );

    it('keeps a laugh emote on its own, or after a fail, amused', () => {
      expect(category('LUL')).toBe(C.Amused);
      expect(category('OMEGALUL he fell off the map')).toBe(C.Amused);
    });
  });

  describe('negation', () => {
    it('flips words in its reach but not a face or emote after them', () => {
      expect(category('not good')).toBe(C.Critical);
      expect(category('not happy :(')).toBe(C.Critical);
      expect(category('no drops today Sadge')).toBe(C.Critical);
      expect(processor.analyze('not good').cues).toContain('negation');
    });

    it('reads "never been this X" as a superlative, not a negation', () => {
      expect(category("I've never been this sad")).toBe(C.Critical);
      expect(category('never seen anything so good')).toBe(C.Supportive);
      expect(category('havent been good lately')).toBe(C.Critical);
    });

    it('reads "not bad" as mild approval', () => {
      expect(category('not bad at all')).toBe(C.Supportive);
    });
  });

  describe('rhetorical complaint questions', () => {
    it.each(['why is he so bad at this?', 'how do you miss that?', 'what is this garbage?'])('%s → Critical, not Curious', (text) => {
      expect(category(text)).toBe(C.Critical);
    });

    it('"who asked?" is hostile; a plain question stays curious', () => {
      expect(category('who asked?')).toBe(C.Hostile);
      expect(category('what game is this?')).toBe(C.Curious);
    });
  });

  describe('caps, chants and spam', () => {
    it('scores chants by their words', () => {
      expect(category('RUN IT BACK')).toBe(C.Excited);
      expect(category('run it back')).toBe(C.Excited);
      expect(category('WE ARE SO BACK')).toBe(C.Excited);
    });

    it('reads letter walls: WWWWW is a win, LLLLL a loss', () => {
      expect(category('WWWWWWW')).toBe(C.Excited);
      expect(category('LLLLLLL')).toBe(C.Critical);
    });

    it('gives capitals of unknown words no sentiment', () => {
      expect(category('QWZX VBNM PLORK')).toBeNull();
    });

    it('damps a spam wall and a copypasta', () => {
      const wall = processor.analyze(Array(20).fill('KEKW').join(' '));
      expect(wall.cues).toContain('spam-damped');
      expect(wall.confidence).toBeLessThan(processor.analyze('KEKW KEKW KEKW').confidence);
      const pasta = processor.analyze('I am so happy with this stream and everything about it, the plays the music the chat the mods the vibes the game the map the skins the timing the commentary the sound and the friends who came along today');
      expect(pasta.cues).toContain('spam-damped');
    });
  });

  describe('slang and leetspeak', () => {
    it.each(['this is so lame', 'what a rip off', 'he got mogged', 'that was stinky', 'rancid take'])('reads missing negative slang: %s', (text) => {
      expect(NEGATIVE.has(category(text))).toBe(true);
    });

    it('reads 2020s chat slang', () => {
      expect(category('stop glazing')).toBe(C.Critical);
      expect(category('jungle diff')).toBe(C.Critical);
      expect(category('im crying 😭😭')).toBe(C.Amused);
      expect(category('chat is this real')).toBe(C.Surprised);
    });

    it('reads leetspeak the lexicon confirms', () => {
      expect(category('tr4sh streamer')).toBe(C.Hostile);
      expect(processor.analyze('tr4sh streamer').cues).toContain('deleet');
      expect(category('2v2 at 1000')).toBeNull();
    });
  });

  describe('emote fragments', () => {
    it('reads a known emote the platform marks', () => {
      expect(category('PogChamp', ['PogChamp'])).toBe(C.Excited);
    });

    it('adds nothing for a channel emote it does not know, even one spelled like a word', () => {
      const verdict = processor.analyze('hypeTrash', { emotes: [{ text: 'hypeTrash', id: '123', ownerId: '456' }] });
      expect(verdict).toMatchObject({ result: null, reason: 'no-evidence' });
      expect(verdict.cues).toContain('unknown-emote');
      // The same word typed as text (no fragment) is still read.
      expect(processor.analyze('trash', { emotes: [{ text: 'hypeTrash' }] }).result?.category).toBe(C.Critical);
      expect(category('trash', ['trash'])).toBeNull();
    });

    it('does not treat an emote\'s capitals as shouting', () => {
      const marked = processor.analyze('POGGERS', { emotes: [{ text: 'POGGERS' }] });
      expect(marked.result?.category).toBe(C.Excited);
    });
  });

  describe('emote table', () => {
    it('has a source and a note for every emote, and no emote twice', () => {
      const names = EMOTES.map((e) => e.name.toLowerCase());
      expect(new Set(names).size).toBe(names.length);
      for (const e of EMOTES) {
        expect(e.note.length).toBeGreaterThan(5);
        expect(['twitch', 'bttv', 'ffz', '7tv']).toContain(e.source);
        expect(Object.keys(e.weights).length).toBeGreaterThan(0);
      }
    });

    it('marks the laugh emotes of the issue as mockery cues', () => {
      for (const name of ['LUL', 'OMEGALUL', 'ICANT', 'LULW', 'Clueless']) expect(EMOTES.find((e) => e.name === name)?.mock).toBe(true);
    });
  });
});
