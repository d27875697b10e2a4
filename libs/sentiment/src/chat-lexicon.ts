import { SentimentCategory as C } from '@lib-stream/privacy';

/**
 * Hand-written live-chat lexicon: Twitch/BTTV/7TV emotes, emoji, emoticons and chat slang, written
 * for lib-stream (not derived from VADER, AFINN or any other lexicon).
 *
 * Weights are in the same log-odds units as the learned GoEmotions table, so they add up with it:
 * about 3 = "this token alone decides the message", 2 = strong, 1 = a hint. An entry is added to half
 * the learned weights for the same token, so chat usage ("trash", "sick", "dead", "goat") outweighs
 * Reddit usage. Keys are written as chat writes them; the processor runs them through the
 * chat tokenizer, so case, apostrophes and emoji variation selectors do not matter, and a key of
 * two or three words is a phrase.
 */
export type CategoryWeights = Partial<Record<C, number>>;

export interface LexiconGroup {
  /** Why these tokens mean what the weights say (kept short). */
  readonly why: string;
  readonly weights: CategoryWeights;
  readonly tokens: readonly string[];
  /** Emotes are written in fixed capitals, so capitals on them are not shouting. */
  readonly emote?: boolean;
  /** Negative words that become Hostile when aimed at a person ("you're trash" vs "this patch is trash"). */
  readonly insult?: boolean;
  /** Irony markers that turn praise just before them into ridicule ("great idea /s"). */
  readonly mock?: boolean;
}

export const CHAT_LEXICON: readonly LexiconGroup[] = [
  // ---------------------------------------------------------------- Excited
  {
    why: 'Hype emotes: the canonical "big moment" reactions.',
    emote: true,
    weights: { [C.Excited]: 3 },
    tokens: ['pogey', 'pogs', 'PogSlide'],
  },
  {
    why: 'Hype slang and cheers.',
    weights: { [C.Excited]: 2.6 },
    tokens: ['hype', 'hyped', 'so hyped', 'lets go', 'lets goo', 'letsgo', 'letsgoo', 'lesgo', 'lesgoo', 'lessgo', 'lessgoo', 'lezgo', 'lezgoo', 'lfg', 'sheesh', 'clutch', 'insane', 'cracked', 'hype train', 'yess', 'woo', 'woohoo', 'yay', 'whoo', 'ez', 'ez clap', 'epic', 'sick', 'fire', 'lit', 'banger', 'crazy play', 'what a play', 'what a shot', 'dub', 'w', 'big w', 'massive w', 'heck yeah', 'hell yeah', 'fuck yeah', 'fuck yes', 'go go go', 'gogogo', 'cant wait', 'finally', 'ace', 'godlike', 'unreal', 'nutty', 'bussin', 'goated', 'peak'],
  },
  {
    why: 'Chants chat shouts in caps: scored by their words ("RUN IT BACK" is hype, whatever the capitals).',
    weights: { [C.Excited]: 2.4 },
    tokens: ['run it back', 'we are so back', 'so back', 'were so back', 'were back', 'we back', 'we won', 'get in', 'here we go', 'its happening', 'goal', 'gg ez', 'easy', 'too easy', 'gr8', 'he did it', 'she did it', 'they did it', 'we did it', 'he did that', 'let him cook', 'let her cook', 'let them cook', 'cooking', 'hes cooking', 'he is cooking', 'no shot', 'outplayed', 'believe', 'i believe', 'one more', 'encore', 'mvp', 'what a game', 'what a match', 'ggez', 'we win', 'winning'],
  },
  {
    why: 'Letter spam: "WWWWW" is a wall of Ws (a win; also Japanese "www" laughter), "AAAAA" crowd noise ("OOOOO" is the OOOO emote).',
    weights: { [C.Excited]: 2, [C.Amused]: 0.8 },
    tokens: ['ww', 'aa'],
  },
  {
    why: 'Awe sounds.',
    weights: { [C.Surprised]: 1.4, [C.Excited]: 1 },
    tokens: ['ooh', 'ohh', 'ahh'],
  },
  {
    why: '"LLLLL": a wall of Ls (a loss).',
    weights: { [C.Critical]: 2.2 },
    tokens: ['ll'],
  },
  {
    why: 'Hype emoji.',
    weights: { [C.Excited]: 2.4 },
    tokens: ['🔥', '🎉', '🥳', '🚀', '💥', '⚡', '🏆', '🙌', '🤩', '😍', '✨', '🎊', '🍾', '😤', '🤘', '💯', '⭐', '🌟', '🥇', '👑'],
  },
  {
    why: 'Winning words that Reddit rarely uses for excitement.',
    weights: { [C.Excited]: 1.6 },
    tokens: ['yes', 'win', 'won', 'victory', 'pb', 'wr', 'new record', 'world record'],
  },

  // ---------------------------------------------------------------- Supportive
  {
    why: 'Love, thanks, applause and greeting emotes/emoji/emoticons.',
    emote: true,
    weights: { [C.Supportive]: 3 },
    tokens: ['<3', '❤', '💜', '💙', '💚', '💛', '🧡', '🤍', '🖤', '💖', '💕', '💗', '💓', '😘', '🥰', '🤗', '🙏', '👏', '💪', '🫶', '🤝', '👍', '07', ':)', ':D', '^^', ':*', ':3'],
  },
  {
    why: 'Good-sport, praise, thanks and greeting slang.',
    weights: { [C.Supportive]: 2.6 },
    tokens: ['gg', 'ggs', 'ggwp', 'gg wp', 'good game', 'well played', 'wp', 'gj', 'good job', 'nice', 'nice one', 'nt', 'nice try', 'ty', 'tysm', 'thx', 'thanks', 'thank you', 'goat', 'the goat', 'based', 'respect', 'love', 'love you', 'luv', 'ily', 'you got this', 'u got this', 'you can do it', 'keep going', 'dont give up', 'proud', 'welcome back', 'take care', 'get well', 'get well soon', 'feel better', 'stay safe', 'well deserved', 'deserved', 'genius', 'big brain', 'masterclass', 'galaxy brain', 'pro gamer move', 'smart play', 'so smart', 'great stream', 'good stream', 'fun stream', 'f in chat', 'glad', 'wholesome', 'congrats', 'congratulations', 'grats', 'gz', 'legend', 'king', 'queen', 'hugs', 'clean', 'smooth', 'great', 'good', 'beautiful', 'agreed', 'facts', 'valid', 'cool'],
  },
  {
    why: '2020s chat praise and good-sport slang.',
    weights: { [C.Supportive]: 2.2 },
    tokens: ['slay', 'slayed', 'iconic', 'aura', 'huge aura', 'rizz', 'ns', 'hf', 'glhf', 'gl', 'good luck', 'sigma'],
  },
  {
    why: 'Greetings: friendly, but about arriving rather than about the stream, so too weak alone to pass the floor.',
    weights: { [C.Supportive]: 0.5 },
    tokens: ['hi', 'hello', 'hey', 'hiya', 'heya', 'yo chat', 'good morning', 'good evening', 'good night', 'gn', 'gm', 'welcome', 'hi chat', 'hello chat'],
  },
  {
    why: 'Weak agreement / sympathy ("F" pays respects, "rip" is half sympathy, half disappointment).',
    weights: { [C.Supportive]: 1.5 },
    tokens: ['f', 'true', 'fr', 'frfr', 'so true', 'rip'],
  },

  // ---------------------------------------------------------------- Critical
  {
    why: 'Disappointment / facepalm / sad emotes: the play or outcome let chat down.',
    emote: true,
    weights: { [C.Critical]: 2.6 },
    tokens: ['🤦', '👎', '😒', '🙄', '😞', '😔', '😢', '😕', '😟', '😩', '😫', '💔', '</3', ':(', ":'(", ':/', 'T_T', ';-;'],
  },
  {
    why: 'Chat words for a bad play, a bad take or a letdown.',
    weights: { [C.Critical]: 2.4 },
    tokens: ['bad', 'terrible', 'awful', 'horrible', 'mid', 'cringe', 'l', 'big l', 'huge l', 'massive l', 'take the l', 'l take', 'ratio', 'throw', 'throwing', 'threw', 'thrower', 'misplay', 'int', 'inting', 'bad call', 'bad play', 'bad take', 'worse', 'meh', 'overrated', 'mistake', 'wrong', 'sad', 'unlucky', 'disappointing', 'disappointed', 'yikes', 'oof', 'smh', 'nerf', 'nerfed', 'broken', 'lag', 'laggy', 'lagging', 'buffering', 'muted', 'cant hear', 'too loud', 'too quiet', 'scuffed', 'skill issue', 'boo', 'sucks', 'suck', 'sucked', 'ugh', 'pain', 'why would you', 'why would he', 'what are you doing', 'what was that', 'washed', 'sellout', 'cap', 'fake', 'rigged', 'flop', 'unplayable', 'not a fan', 'annoying', 'gross', 'toxic'],
  },
  {
    why: 'Negative slang the learned table lacks or reads weakly (issue #16): being outclassed, a bad deal, bad smell, bad quality, "it\'s over".',
    weights: { [C.Critical]: 2.4 },
    tokens: ['mogged', 'got mogged', 'lame', 'lamest', 'rip off', 'ripoff', 'rancid', 'stinks', 'stank', 'smelly', 'reeks', 'dogwater', 'dog water', 'trash tier', 'bozo', 'cooked', 'so cooked', 'its over', 'its so over', 'so over', 'were cooked', 'cash grab', 'cashgrab', 'pay to win', 'p2w', 'clickbait', 'overpriced', 'unwatchable', 'janky', 'jank', 'buggy', 'bugged', 'crashed', 'sloppy', 'bland', 'cringy', 'ew', 'eww', 'yuck', 'ick', 'ratioed', 'flopped', 'dead game', 'abysmal', 'atrocious', 'dreadful', 'appalling', 'horrendous', 'bullshit', 'bs', 'nightmare', 'ridiculous', 'refund', 'scammed', 'are you even trying', 'you even trying', 'are you serious', 'are you kidding', 'you cant be serious', 'fumbled', 'fumble', 'choked', 'choke', 'bottled', 'bottle', 'griefing', 'cheater', 'cheating', 'hacker', 'waste of time', 'wasted', 'how do you miss', 'how did you miss', 'how did he miss', 'how does he miss', 'terrible take', 'L streamer', 'womp womp'],
  },
  {
    why: '2020s chat slang for a letdown or a bad take: over-praise ("glazing"), rambling ("yapping"), being outclassed ("diff", "clapped"), losing composure ("tilted", "crashout").',
    weights: { [C.Critical]: 2.2 },
    tokens: ['glazing', 'glaze', 'glazer', 'glazers', 'yapping', 'yap', 'yapper', 'stop yapping', 'npc', 'delulu', 'tweaking', 'tweakin', 'diff', 'skill diff', 'tilted', 'tilt', 'salty', 'clapped', 'got clapped', 'smurf', 'smurfing', 'brainrot', 'chronically online', 'minus aura', 'negative aura', 'crashout', 'crashing out', 'we lost'],
  },
  {
    why: 'Weak "no" (disagreement alone, a negator before another word); "fell off" is also literal ("fell off the map").',
    weights: { [C.Critical]: 1.4 },
    tokens: ['no', 'nah', 'nope', 'bruh', 'fell off'],
  },
  {
    why: 'Negative words that become Hostile when aimed at someone ("you are trash" vs "this patch is trash").',
    insult: true,
    weights: { [C.Critical]: 2.2, [C.Hostile]: 1.2 },
    tokens: ['trash', 'garbage', 'worst', 'pathetic', 'useless', 'dogshit', 'shit', 'ass', 'bot', 'noob', 'newb', 'clown', 'stupid', 'dumb', 'joke', 'disgrace', 'embarrassing', 'hardstuck', 'boosted'],
  },

  // ---------------------------------------------------------------- Curious
  {
    why: 'Thinking / looking-around emotes and emoji.',
    emote: true,
    weights: { [C.Curious]: 2.6 },
    tokens: ['🤔', '🧐', '❓', '❔'],
  },
  {
    why: 'Question words and asking slang; a trailing "?" (punctuation entry) carries most questions.',
    weights: { [C.Curious]: 1.6 },
    tokens: ['whats', 'why', 'how', 'hows', 'when', 'whens', 'where', 'wheres', 'who', 'whos', 'which', 'wonder', 'wondering', 'curious', 'anyone know', 'does anyone', 'how do', 'how does', 'how did', 'how long', 'how many', 'what is', 'what game', 'what song', 'what rank', 'what level', 'what time', 'what server', 'what map', 'what difficulty', 'what character', 'what build', 'what class', 'what mode', 'song name', 'which game', 'is this', 'is that', 'is it', 'are you', 'did he', 'does he', 'do you', 'can you', 'will you', 'explain', 'sus', 'hmm', 'confused', 'confusing', 'idk', 'question', 'quick question', 'not sure', 'sauce', 'source', 'specs', 'settings', 'sens', 'what keyboard', 'what mouse', 'discord', 'uptime', 'schedule', '👀'],
  },
  {
    why: '"what" alone is as often disbelief ("WHAT") as a question; questions get their weight from "?" and phrases.',
    weights: { [C.Surprised]: 1.4, [C.Curious]: 0.8 },
    tokens: ['what'],
  },

  // ---------------------------------------------------------------- Surprised
  {
    why: 'Shock / tension emotes and emoji (fear and nervousness in chat are reactions to something unexpected).',
    emote: true,
    weights: { [C.Surprised]: 2.8 },
    tokens: ['😮', '😱', '😲', '🤯', '😳', '😯', '😨', '😧', '😦', '🫢', '🫨', '‼', '⁉', 'D:', ':o', 'O_o'],
  },
  {
    why: 'Disbelief slang.',
    weights: { [C.Surprised]: 2.6 },
    tokens: ['no way', 'wtf', 'wth', 'omg', 'omfg', 'oh my god', 'oh my gosh', 'oh my', 'holy', 'holy shit', 'holy crap', 'holy moly', 'holy cow', 'wait what', 'what the', 'what the fuck', 'what the hell', 'whoa', 'woah', 'wow', 'jesus', 'jeez', 'dayum', 'unbelievable', 'did that just happen', 'what just happened', 'how did that', 'didnt see that coming', 'plot twist', 'shocked', 'surprised', 'scary', 'scared', 'jumpscare', 'spooky', 'close one', 'that was close', 'so close', 'yo', 'yoo', 'bro what', 'ayo', 'ayoo', 'nani', 'excuse me', 'oh no', 'noo'],
  },

  // ---------------------------------------------------------------- Amused
  {
    why: 'Laughing emotes and emoji (💀 = "I am dead", i.e. laughing).',
    emote: true,
    weights: { [C.Amused]: 3 },
    tokens: ['😂', '🤣', '😆', '😹', '💀', '😝', '😜', '😛', '😅', ':p', ';)', 'xd'],
  },
  {
    why: 'Laughing slang (and mocking-but-laughing words).',
    weights: { [C.Amused]: 2.8 },
    tokens: ['lol', 'lool', 'lmao', 'lmfao', 'rofl', 'roflmao', 'haha', 'hah', 'heh', 'lolz', 'im dead', 'i am dead', 'dead', 'dying', 'im dying', 'i cant', 'funny', 'hilarious', 'comedy', 'comedian', 'jk', 'clip it', 'clip that', 'clipped', 'clip', 'meme', 'memes', 'troll', 'trolling', 'sarcasm', 'sure buddy', 'ok buddy', 'sure jan', 'bonk', 'ded', 'kkkk', '草'],
  },
  {
    why: 'Gen-Z laughing: "crying" and 😭 are mostly overwhelmed laughter in 2020s chat, with some real sadness left.',
    weights: { [C.Amused]: 2, [C.Critical]: 1 },
    tokens: ['😭', 'im crying', 'crying', 'screaming', 'im screaming', 'im weak', 'wheezing', 'im wheezing', 'skibidi'],
  },
  {
    why: '"chat is this real": disbelief.',
    weights: { [C.Surprised]: 2.2 },
    tokens: ['chat is this real', 'is this real'],
  },
  {
    why: 'Telling someone to back off.',
    weights: { [C.Hostile]: 2.4 },
    tokens: ['hop off', 'get off'],
  },
  {
    why: 'The sarcasm marker: a joke on its own, ridicule after praise.',
    mock: true,
    weights: { [C.Amused]: 1.6, [C.Critical]: 0.6 },
    tokens: ['/s'],
  },
  {
    why: '"damn" is as often admiration or mild annoyance as surprise, so it only leans Surprised.',
    weights: { [C.Surprised]: 1.6 },
    tokens: ['damn'],
  },
  {
    why: 'The clown emoji mocks: half laughing at, half attacking.',
    weights: { [C.Amused]: 1.6, [C.Hostile]: 1.6, [C.Critical]: 1 },
    tokens: ['🤡'],
  },

  // ---------------------------------------------------------------- Bored
  {
    why: 'Sleep / yawn emotes and emoji.',
    emote: true,
    weights: { [C.Bored]: 3 },
    tokens: ['😴', '💤', '🥱', '😪', '😐', '😑', '🫠', 'zz'],
  },
  {
    why: 'Bored / impatient slang (Bored has no GoEmotions label, so it lives only here).',
    weights: { [C.Bored]: 2.8 },
    tokens: ['boring', 'bored', 'borin', 'yawn', 'snooze', 'snoozefest', 'snoozing', 'sleepy', 'sleeping', 'asleep', 'fell asleep', 'falling asleep', 'dull', 'slow', 'so slow', 'too slow', 'dragging', 'tedious', 'repetitive', 'same thing', 'again?', 'another one', 'nothing happening', 'nothing is happening', 'nothing happens', 'wake me up', 'dead chat', 'chat is dead', 'skip', 'skip it', 'something else', 'play something else', 'change the game', 'get on with it', 'hurry up', 'when does it start', 'when is it starting', 'still waiting', 'loading screen', 'grinding', 'grind', 'afk', 'im out', 'whatever', 'who cares', 'idc', 'tabbed out', 'same old', 'taking forever', 'so long', 'how much longer'],
  },

  // ---------------------------------------------------------------- Hostile
  {
    why: 'Rage / middle-finger / disgust emotes and emoji.',
    emote: true,
    weights: { [C.Hostile]: 3 },
    tokens: ['🤬', '😡', '😠', '🖕', '💢', '👿', '🤮', '🤢', '>:('],
  },
  {
    why: 'Insults, abuse and "go away" slang.',
    weights: { [C.Hostile]: 3 },
    tokens: ['idiot', 'idiots', 'moron', 'loser', 'losers', 'retard', 'retarded', 'uninstall', 'kys', 'kill yourself', 'stfu', 'gtfo', 'shut up', 'shutup', 'shut the fuck up', 'nobody asked', 'no one asked', 'who asked', 'cry about it', 'go cry', 'cope', 'seethe', 'mald', 'malding', 'touch grass', 'get a job', 'get a life', 'get good', 'git gud', 'fuck you', 'fu', 'fuck off', 'screw you', 'piss off', 'disgusting', 'scam', 'scammer', 'fraud', 'fuck this', 'bitch', 'asshole', 'dickhead', 'cunt', 'jerk', 'you suck', 'u suck', 'you fell off', 'braindead', 'brain dead', 'get out', 'unfollow', 'unfollowed', 'hate you'],
  },
  {
    why: 'Anger words that are often frustration at the game rather than at a person.',
    weights: { [C.Hostile]: 2, [C.Critical]: 1.4 },
    tokens: ['hate', 'i hate', 'fuck', 'fucking hate', 'h8', 'i h8'],
  },
];

/** Punctuation tokens: "?" asks, "?!" is disbelief, "!" adds a little hype (their run length adds intensity). */
export const PUNCTUATION_WEIGHTS: Readonly<Record<'?' | '!' | '?!' | '!cmd', CategoryWeights>> = {
  '?': { [C.Curious]: 2.2, [C.Surprised]: 0.4 },
  '?!': { [C.Surprised]: 2.6, [C.Curious]: 0.6 },
  '!': { [C.Excited]: 0.9 },
  // Not read: a message that starts with a bot command ("!song", "!lurk") has no sentiment (the processor).
  '!cmd': {},
};

/** Words after which the second clause is what the message means ("not the worst ever but worst this year"). */
export const CONTRASTS: readonly string[] = ['but', 'however', 'although', 'except'];

/** Words that flip the next few sentiment words (up to the next punctuation). */
export const NEGATORS: readonly string[] = [
  'not', 'no', 'never', 'dont', 'doesnt', 'didnt', 'isnt', 'wasnt', 'arent', 'werent', 'cant', 'cannot', 'couldnt',
  'wont', 'wouldnt', 'shouldnt', 'aint', 'neither', 'nor', 'hardly', 'without', 'nothing', 'nobody', 'havent', 'hasnt',
  'hadnt', 'nah', 'noone',
];

/** Words that strengthen the next sentiment word (multiplier). Profane intensifiers ("fucking") only intensify. */
export const INTENSIFIERS: Readonly<Record<string, number>> = {
  so: 1.3, soo: 1.4, very: 1.4, really: 1.3, super: 1.4, too: 1.2, extremely: 1.6, insanely: 1.6, incredibly: 1.5,
  absolutely: 1.5, totally: 1.3, literally: 1.2, hella: 1.4, mega: 1.4, ultra: 1.4, fucking: 1.5, fking: 1.5,
  fkin: 1.5, freaking: 1.4, frickin: 1.4, friggin: 1.4, damn: 1.3, most: 1.3, such: 1.3, completely: 1.4,
  utterly: 1.5, truly: 1.3, mad: 1.2, crazy: 1.3, stupidly: 1.4, straight: 1.2, actually: 1.1, genuinely: 1.3,
  massive: 1.3, huge: 1.2, big: 1.15, real: 1.1, deadass: 1.3, quite: 1.1, pretty: 1.1,
};

/** Words that weaken the next sentiment word. */
export const DOWNTONERS: Readonly<Record<string, number>> = {
  kinda: 0.6, 'kind of': 0.6, sorta: 0.6, 'sort of': 0.6, slightly: 0.5, somewhat: 0.6, 'a bit': 0.65,
  'a little': 0.65, little: 0.75, barely: 0.5, almost: 0.7, maybe: 0.75, lowkey: 0.7, prob: 0.8, probably: 0.8,
  bit: 0.8, abit: 0.65, semi: 0.7, fairly: 0.8,
};

/** Words that strengthen the sentiment word just before them ("good af", "trash fr"). */
export const POST_INTENSIFIERS: Readonly<Record<string, number>> = {
  af: 1.5, asf: 1.5, 'as fuck': 1.5, 'as hell': 1.4, fr: 1.2, frfr: 1.3, 'no cap': 1.3, ong: 1.2,
};

/** Second-person words: with one of these in the message, `insult` words are aimed at someone. */
export const SECOND_PERSON: readonly string[] = [
  'you', 'youre', 'your', 'yours', 'u', 'ur', 'ure', 'urself', 'yourself', 'ya', 'streamer', 'this guy', 'he', 'hes', 'she', 'shes',
];
