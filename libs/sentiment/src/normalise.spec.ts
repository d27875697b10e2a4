import { deleet, normaliseChat } from './normalise';

describe('normaliseChat', () => {
  it('leaves plain ASCII and ordinary accented or non-Latin text alone', () => {
    expect(normaliseChat('gg well played <3')).toBe('gg well played <3');
    expect(normaliseChat('café über')).toBe('café über');
    expect(normaliseChat('Привет мир')).toBe('Привет мир');
    // Russian words made only of letters that have Latin twins are still Russian words.
    for (const russian of ['вот', 'он', 'ну вот', 'вот так', 'ВОТ', 'hello вот', 'привет']) expect(normaliseChat(russian)).toBe(russian);
    expect(normaliseChat('草草草 ありがとう')).toBe('草草草 ありがとう');
  });

  it.each([
    ['full-width', 'ｈａｔｅ this streamer', 'hate this streamer'],
    ['mathematical bold', '𝐭𝐫𝐚𝐬𝐡', 'trash'],
    ['mathematical script', '𝓽𝓻𝓪𝓼𝓱', 'trash'],
    ['mathematical double-struck', '𝕥𝕣𝕒𝕤𝕙', 'trash'],
    ['circled letters', 'ⓣⓡⓐⓢⓗ', 'trash'],
    ['small capitals', 'ᴛʀᴀꜱʜ', 'trash'],
    ['Cyrillic look-alikes mixed into Latin', 'trаsh', 'trash'],
    ['a word of Cyrillic look-alikes only', 'һаtе you', 'hate you'],
    ['a word of strong Cyrillic look-alikes only, among Latin words', 'you ѕсаm', 'you scam'],
    ['a capitalised word of Cyrillic look-alikes among Latin words', 'ТОХІС streamer', 'TOXIC streamer'],
    ['Greek look-alikes', 'ΤRΑSΗ', 'TRASH'],
  ])('folds %s letters', (_, input, expected) => {
    expect(normaliseChat(input)).toBe(expected);
  });

  it('removes zero-width, joiner, BOM, soft hyphen and bidi control characters', () => {
    expect(normaliseChat('t\u200br\u200ba\u200bs\u200bh')).toBe('trash');
    expect(normaliseChat('tr\u2060a\ufeffs\u00adh')).toBe('trash');
    expect(normaliseChat('\u202etrash\u202c \u2066idiot\u2069 \u200eok\u200f')).toBe('trash idiot ok');
    expect(normaliseChat('\u200b\u200b\u200b')).toBe('');
    // Tag characters (a client's U+E0000), the braille blank and Hangul fillers render as nothing too.
    expect(normaliseChat('h\u{E0061}ate this\u{E0000}')).toBe('hate this');
    expect(normaliseChat('ha\u2800te ha\u3164te')).toBe('hate hate');
  });

  it('drops stacked combining marks (Zalgo) but keeps accents', () => {
    expect(normaliseChat('t̷̢r̶a̵s̸h̷')).toBe('trash');
    expect(normaliseChat('e\u0301')).toBe('é');
  });

  it('unmasks swear words hidden behind symbols, and leaves other symbols alone', () => {
    expect(normaliseChat('f*ck this')).toBe('fuck this');
    expect(normaliseChat('what the f**k')).toBe('what the fuck');
    expect(normaliseChat('f*** off')).toBe('fuck off');
    expect(normaliseChat('sh!t game, a**hole')).toBe('shit game, asshole');
    for (const plain of ['hello!!! wow', '#1 streamer', '$5 skin', '100% agree', 'what a!! game', 'mail me@home']) expect(normaliseChat(plain)).toBe(plain);
  });

  it('joins a word spelled out letter by letter, and leaves short runs and ordinary text alone', () => {
    expect(normaliseChat('h a t e this streamer')).toBe('hate this streamer');
    expect(normaliseChat('t.r.a.s.h')).toBe('trash');
    expect(normaliseChat('what a t_r_a_s_h game')).toBe('what a trash game');
    expect(normaliseChat('k-y-s')).toBe('kys');
    expect(normaliseChat('f u c k this game')).toBe('fuck this game');
    expect(normaliseChat('U.S.A. wins')).toBe('USA. wins'); // an acronym joins too, harmlessly
    for (const plain of ['G G', 'F in chat', 'i am a fan', 'a-b testing', 'x y', 'e.g. this', 'rate 1 2 3']) expect(normaliseChat(plain)).toBe(plain);
  });

  it('never throws on lone surrogates', () => {
    expect(() => normaliseChat('\ud800 x \udfff')).not.toThrow();
  });
});

describe('deleet', () => {
  it('reads digits in a word as letters, offering both readings of 1', () => {
    expect(deleet('tr4sh')).toEqual(['trash']);
    expect(deleet('n00b')).toEqual(['noob']);
    expect(deleet('1d10t')).toEqual(['idiot', 'ldlot']);
    expect(deleet('l0s3r')).toEqual(['loser']);
  });

  it('leaves numbers, scores and words without digits alone', () => {
    expect(deleet('2v2')).toEqual([]);
    expect(deleet('1000')).toEqual([]);
    expect(deleet('gg')).toEqual([]);
    expect(deleet('a1')).toEqual([]);
  });
});
