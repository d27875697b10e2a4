import { ChatTokens, MAX_SCANNED_CHARS, TokenKind, collapseRuns, tokenizeChat } from './chat-tokenizer';

function tokenize(text: string): ChatTokens {
  const out = new ChatTokens();
  tokenizeChat(text, out);
  return out;
}

function texts(text: string): string[] {
  const t = tokenize(text);
  return t.text.slice(0, t.count);
}

describe('tokenizeChat', () => {
  it('reads "/s" as the sarcasm marker, but not a slash inside a word', () => {
    const t = tokenize('great idea /s');
    expect(t.text.slice(0, t.count)).toEqual(['great', 'idea', '/s']);
    expect(t.kind[2]).toBe(TokenKind.Emoticon);
    expect(texts('and/so')).toEqual(['and', 'so']);
  });

  it('marks words the platform says are emotes, by exact spelling', () => {
    const t = new ChatTokens();
    tokenizeChat('streamerHype hype STREAMERHYPE', t, new Set(['streamerHype']));
    expect(t.text.slice(0, t.count)).toEqual(['streamerhype', 'hype', 'streamerhype']);
    expect(Array.from(t.kind.subarray(0, t.count))).toEqual([TokenKind.Emote, TokenKind.Word, TokenKind.Word]);
  });

  it('lowercases words and drops in-word apostrophes', () => {
    expect(texts("Don't STOP believin’ y'all")).toEqual(['dont', 'stop', 'believin', 'yall']);
  });

  it('cuts character runs to two and flags the word as elongated', () => {
    const t = tokenize('sooooo good');
    expect(t.text.slice(0, 2)).toEqual(['soo', 'good']);
    expect(Array.from(t.elongated.subarray(0, 2))).toEqual([1, 0]);
    expect(collapseRuns('soo', 1)).toBe('so');
  });

  it('flags shouted words (two or more capitals, no lowercase) but not "I" or mixed-case emotes', () => {
    const t = tokenize('LETS go I PogChamp GG');
    expect(Array.from(t.shouted.subarray(0, t.count))).toEqual([1, 0, 0, 0, 1]);
  });

  it('folds laughter spellings', () => {
    expect(texts('hahahaha HAHAHA ahahah hehehe lololol jajaja')).toEqual(['haha', 'haha', 'haha', 'haha', 'lol', 'haha']);
    expect(texts('hall halo')).toEqual(['hall', 'halo']);
  });

  it('makes one token per emoji and drops variation selectors and skin tones', () => {
    const t = tokenize('🔥🔥 ❤️ 👏🏽');
    expect(t.text.slice(0, t.count)).toEqual(['🔥', '🔥', '❤', '👏']);
    expect(Array.from(t.kind.subarray(0, t.count))).toEqual([TokenKind.Emoji, TokenKind.Emoji, TokenKind.Emoji, TokenKind.Emoji]);
  });

  it('recognises emoticons with a canonical spelling, but not times or scores', () => {
    expect(texts(':) :-D <3 D: :( :\'( ;) :PPP >:(')).toEqual([':)', ':d', '<3', 'd:', ':(', ":'(", ';)', ':p', '>:(']);
    expect(texts('at 3:30 it was 1:0')).toEqual(['at', '3', '30', 'it', 'was', '1', '0']);
    expect(texts('note:Dave :param')).toEqual(['note', 'dave', 'param']);
  });

  it('turns runs of ! and ? into one token carrying the run length', () => {
    const t = tokenize('what?!?! nice!!! why???');
    expect(t.text.slice(0, t.count)).toEqual(['what', '?!', 'nice', '!', 'why', '?']);
    expect(Array.from(t.run.subarray(0, t.count))).toEqual([1, 4, 1, 3, 1, 3]);
  });

  it('treats a leading !command as one token', () => {
    expect(texts('!uptime')).toEqual(['!cmd']);
    expect(texts('gg !uptime')).toEqual(['gg', '!', 'uptime']);
  });

  it('skips URLs and @mentions entirely', () => {
    expect(texts('@SomeViewer look https://example.com/x?y=1 www.example.org lol')).toEqual(['look', 'lol']);
  });

  it('marks the first token after punctuation as a clause start', () => {
    const t = tokenize('not now, good');
    expect(Array.from(t.clauseStart.subarray(0, t.count))).toEqual([0, 0, 1]);
  });

  it('handles empty, whitespace, lone surrogates and control characters without throwing', () => {
    expect(texts('')).toEqual([]);
    expect(texts(' \t\n ')).toEqual([]);
    expect(() => tokenize('\ud83d \udd25 \u0000\u0007 end\ud83d')).not.toThrow();
    expect(texts('\ud83d \udd25 end')).toEqual(['end']);
  });

  it(`reads at most ${MAX_SCANNED_CHARS} characters of a long message`, () => {
    const t = tokenize('a '.repeat(10_000));
    expect(t.count).toBe(MAX_SCANNED_CHARS / 2);
  });

  it('reuses its buffer: a second message replaces the first, and wipe() drops the strings', () => {
    const t = new ChatTokens();
    tokenizeChat('one two three', t);
    tokenizeChat('four', t);
    expect(t.text.slice(0, t.count)).toEqual(['four']);
    t.wipe();
    expect(t.count).toBe(0);
    expect(t.text.join('')).not.toContain('four');
  });
});
