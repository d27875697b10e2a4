import { SentimentCategory as C } from '@lib-stream/privacy';

import type { CategoryWeights } from './chat-lexicon';

/**
 * The emotes the engine knows: popular Twitch global emotes and third-party (BTTV, FFZ, 7TV) emotes seen across
 * many channels. Each reading says where it comes from. Maintained by hand: add an emote when it is common across
 * channels (a channel's own emotes — "streamerHype" — are never listed; the platform marks them as emotes and the
 * engine then adds nothing for them).
 *
 * Sources of the readings (no list was copied; each reading is our own judgement from these):
 *  - "name": what the emote's name or picture says (PogChamp = amazed face, ResidentSleeper = sleeping);
 *  - "usage": how chat uses it, as described by the emote providers' pages and common streamer/community
 *    explanations (e.g. LUL = laughing, often AT someone; Clueless = ironic "surely nothing bad will happen");
 *  - "2026 chat": the kinds of errors counted in issue #16 (laugh emotes after praise read as ridicule).
 *
 * Emotes named by an ordinary word ("Looking", "Waiting", "Listening") are mostly left out: in plain text
 * (YouTube, custom webhooks, third-party emotes on Twitch, which have no fragments) they would misread the word.
 * Those kept (WORD_NAMED_EMOTES) count as the emote only when written in its exact spelling ("Clueless", "SURELY")
 * or marked by the platform; "i was clueless" is the word, and never a mockery cue.
 *
 * Weights are log-odds like the rest of the lexicon (3 ≈ decides the message alone). `mock: true` marks laugh and
 * irony emotes that, right after praise, turn it into ridicule ("great play LUL").
 */
export type EmoteSource = 'twitch' | 'bttv' | 'ffz' | '7tv';

export interface EmoteReading {
  readonly name: string;
  readonly source: EmoteSource;
  readonly weights: CategoryWeights;
  readonly note: string;
  readonly mock?: boolean;
}

const hype = { [C.Excited]: 3 };
const love = { [C.Supportive]: 3 };
const letdown = { [C.Critical]: 2.6 };
const think = { [C.Curious]: 2.6 };
const shock = { [C.Surprised]: 2.8 };
const laugh = { [C.Amused]: 3 };
const sleep = { [C.Bored]: 3 };
const rage = { [C.Hostile]: 3 };

export const EMOTES: readonly EmoteReading[] = [
  // ---------------------------------------------------------------- Excited
  { name: 'PogChamp', source: 'twitch', weights: hype, note: 'name/usage: amazed face, the canonical big-moment reaction' },
  { name: 'Pog', source: 'bttv', weights: hype, note: 'usage: short PogChamp' },
  { name: 'PogU', source: 'ffz', weights: hype, note: 'usage: PogChamp variant' },
  { name: 'POGGERS', source: 'ffz', weights: hype, note: 'usage: Pepe PogChamp' },
  { name: 'POGGIES', source: '7tv', weights: hype, note: 'usage: POGGERS variant' },
  { name: 'PagMan', source: 'ffz', weights: hype, note: 'usage: hyped Pepe' },
  { name: 'PagChomp', source: 'ffz', weights: hype, note: 'usage: hyped Pepe' },
  { name: 'PogBones', source: 'twitch', weights: hype, note: 'usage: PogChamp variant' },
  { name: 'Kreygasm', source: 'twitch', weights: hype, note: 'usage: delight at something great' },
  { name: 'TriHard', source: 'twitch', weights: hype, note: 'usage: trying hard / hype' },
  { name: 'KomodoHype', source: 'twitch', weights: hype, note: 'name: hype' },
  { name: 'BloodTrail', source: 'twitch', weights: hype, note: 'usage: hunting hype' },
  { name: 'GIGACHAD', source: '7tv', weights: hype, note: 'usage: admiration of a bold play' },
  { name: 'catJAM', source: 'bttv', weights: hype, note: 'usage: vibing to music' },
  { name: 'pepeJAM', source: 'bttv', weights: hype, note: 'usage: vibing to music' },
  { name: 'ratJAM', source: 'bttv', weights: hype, note: 'usage: vibing to music' },
  { name: 'Jammies', source: 'bttv', weights: hype, note: 'usage: vibing to music' },
  { name: 'HYPERS', source: 'ffz', weights: hype, note: 'name: hyped Pepe' },
  { name: 'EZY', source: '7tv', weights: hype, note: 'usage: easy win' },
  { name: 'PauseChamp', source: 'ffz', weights: hype, note: 'usage: anticipation of a big moment' },
  { name: 'CurseLit', source: 'twitch', weights: hype, note: 'name: lit' },
  { name: 'TwitchUnity', source: 'twitch', weights: hype, note: 'usage: celebration' },
  { name: 'DinoDance', source: 'twitch', weights: hype, note: 'usage: dancing' },
  { name: 'SMOrc', source: 'twitch', weights: hype, note: 'usage: aggressive hype ("go in")' },
  { name: 'WICKED', source: '7tv', weights: hype, note: 'usage: "that was sick"' },
  { name: 'OOOO', source: '7tv', weights: { [C.Excited]: 2.4, [C.Surprised]: 1 }, note: 'usage: crowd "ooooh" at a big moment' },
  { name: 'pepeD', source: 'bttv', weights: { [C.Excited]: 2.4 }, note: 'usage: dancing to the music' },
  { name: 'pepeDS', source: '7tv', weights: { [C.Excited]: 2.4 }, note: 'usage: dancing to the music' },
  { name: 'OMEGADANCE', source: '7tv', weights: { [C.Excited]: 2.4 }, note: 'usage: dancing, celebration' },
  { name: 'VIBE', source: '7tv', weights: { [C.Excited]: 2 }, note: 'usage: enjoying the music' },
  { name: 'wideVIBE', source: '7tv', weights: { [C.Excited]: 2 }, note: 'usage: enjoying the music' },
  { name: 'HYPERCLAP', source: 'ffz', weights: { [C.Excited]: 2.4, [C.Supportive]: 1.4 }, note: 'usage: loud applause' },
  { name: 'TwitchLit', source: 'twitch', weights: hype, note: 'name: lit' },
  { name: 'GlitchLit', source: 'twitch', weights: hype, note: 'name: lit' },
  { name: 'KAPOW', source: 'twitch', weights: hype, note: 'name: impact, a big hit' },
  { name: 'Poooound', source: 'twitch', weights: { [C.Excited]: 2.4 }, note: 'usage: pounding the table in excitement' },
  { name: 'PopCorn', source: 'twitch', weights: { [C.Excited]: 1.6 }, note: 'usage: watching drama or a show unfold, entertained' },
  { name: 'PepePls', source: 'bttv', weights: { [C.Excited]: 2.2 }, note: 'usage: dancing to the music' },
  { name: 'TriDance', source: 'ffz', weights: { [C.Excited]: 2.2 }, note: 'usage: dancing' },
  { name: 'ppHop', source: '7tv', weights: { [C.Excited]: 2.2 }, note: 'usage: hopping with excitement' },
  { name: 'HandsUp', source: 'ffz', weights: { [C.Excited]: 2.2 }, note: 'usage: hands up, celebrating' },
  { name: 'COGGERS', source: 'ffz', weights: hype, note: 'usage: POGGERS variant' },
  { name: 'veryPog', source: '7tv', weights: hype, note: 'usage: PogChamp variant' },
  { name: 'AYAYA', source: 'ffz', weights: { [C.Excited]: 2.2 }, note: 'usage: cheerful anime excitement' },
  { name: 'gachiBASS', source: 'bttv', weights: { [C.Excited]: 2.2 }, note: 'usage: hype to music' },
  { name: 'HACKERMANS', source: 'ffz', weights: { [C.Excited]: 1.8, [C.Amused]: 1 }, note: 'usage: mock-impressed by tech skill' },
  { name: 'peepoRiot', source: 'ffz', weights: { [C.Excited]: 2 }, note: 'usage: chat rallying, hype demand' },
  { name: 'peepoHappy', source: 'ffz', weights: { [C.Excited]: 2, [C.Supportive]: 1.5 }, note: 'name: happy Pepe' },
  { name: 'gachiGASM', source: 'bttv', weights: { [C.Excited]: 2.2 }, note: 'usage: delight, hype' },
  { name: 'KKona', source: 'bttv', weights: { [C.Excited]: 2 }, note: 'usage: cheering, "yeehaw"' },
  { name: 'SourPls', source: 'bttv', weights: { [C.Excited]: 2.2 }, note: 'usage: dancing to the music' },
  { name: 'RareParrot', source: 'bttv', weights: { [C.Excited]: 2.2 }, note: 'usage: party parrot, celebration' },
  { name: 'FireSpeed', source: 'bttv', weights: { [C.Excited]: 2.2 }, note: 'usage: going fast, hype' },
  { name: 'OpieOP', source: 'twitch', weights: { [C.Excited]: 1.6 }, note: 'usage: eager, greedy for more' },
  { name: 'PipeHype', source: 'twitch', weights: { [C.Excited]: 2.4 }, note: 'name: hype' },
  { name: 'PowerUpL', source: 'twitch', weights: { [C.Excited]: 2 }, note: 'usage: powering up, hype' },
  { name: 'PowerUpR', source: 'twitch', weights: { [C.Excited]: 2 }, note: 'usage: powering up, hype' },
  { name: 'PeoplesChamp', source: 'twitch', weights: { [C.Excited]: 2 }, note: 'usage: champion, cheering' },
  { name: 'twitchRaid', source: 'twitch', weights: { [C.Excited]: 2.4 }, note: 'usage: raid hype' },
  { name: 'NomNom', source: 'twitch', weights: { [C.Excited]: 1.4 }, note: 'usage: eager, tasty' },
  // ---------------------------------------------------------------- Supportive
  { name: 'SeemsGood', source: 'twitch', weights: love, note: 'name: thumbs up' },
  { name: 'HeyGuys', source: 'twitch', weights: love, note: 'usage: greeting' },
  { name: 'VoHiYo', source: 'twitch', weights: love, note: 'usage: greeting' },
  { name: 'FeelsGoodMan', source: 'bttv', weights: love, note: 'name: content Pepe' },
  { name: 'FeelsStrongMan', source: 'ffz', weights: love, note: 'usage: moved, proud' },
  { name: 'peepoClap', source: 'ffz', weights: love, note: 'name: applause' },
  { name: 'Clap', source: 'bttv', weights: love, note: 'name: applause' },
  { name: 'EZClap', source: '7tv', weights: { [C.Supportive]: 2, [C.Excited]: 2 }, note: 'usage: applause for a clean win' },
  { name: 'peepoLove', source: 'ffz', weights: love, note: 'name: love' },
  { name: 'peepoHug', source: 'ffz', weights: love, note: 'name: hug' },
  { name: 'GivePLZ', source: 'twitch', weights: love, note: 'usage: sharing, support' },
  { name: 'TakeNRG', source: 'twitch', weights: love, note: 'usage: sending energy' },
  { name: 'bleedPurple', source: 'twitch', weights: love, note: 'usage: Twitch pride' },
  { name: 'KappaPride', source: 'twitch', weights: love, note: 'usage: pride, support' },
  { name: 'HolidayPresence', source: 'twitch', weights: love, note: 'usage: greeting' },
  { name: 'PrideLove', source: 'twitch', weights: love, note: 'name: love' },
  { name: 'NODDERS', source: '7tv', weights: { [C.Supportive]: 2.2 }, note: 'usage: agreement' },
  { name: 'YEP', source: 'ffz', weights: { [C.Supportive]: 1.6 }, note: 'usage: agreement (also flat, so weaker)' },
  { name: 'Hopium', source: '7tv', weights: { [C.Supportive]: 2 }, note: 'usage: hoping it works out' },
  { name: 'widepeepoHappy', source: 'ffz', weights: { [C.Supportive]: 2.4, [C.Excited]: 1 }, note: 'name: very happy Pepe' },
  { name: 'CoolCat', source: 'twitch', weights: { [C.Supportive]: 2.2 }, note: 'usage: cool, approval' },
  { name: 'KonCha', source: 'twitch', weights: { [C.Supportive]: 1.4 }, note: 'usage: greeting' },
  { name: 'HSCheers', source: 'twitch', weights: love, note: 'usage: cheers, toasting' },
  { name: 'CarlSmile', source: 'twitch', weights: { [C.Supportive]: 2 }, note: 'name: smile' },
  { name: 'LuvSign', source: 'twitch', weights: love, note: 'name: love sign' },
  { name: 'KPOPheart', source: 'twitch', weights: love, note: 'name: heart' },
  { name: 'FeelsAmazingMan', source: 'bttv', weights: { [C.Supportive]: 2.4, [C.Excited]: 1 }, note: 'name: feeling amazing' },
  { name: 'OkayChamp', source: 'ffz', weights: { [C.Supportive]: 1.6 }, note: 'usage: mild approval' },
  { name: 'PeepoGlad', source: 'ffz', weights: { [C.Supportive]: 2.2 }, note: 'name: glad' },
  { name: 'Prayge', source: '7tv', weights: { [C.Supportive]: 2 }, note: 'usage: praying it works out' },
  { name: 'catKISS', source: '7tv', weights: love, note: 'name: kiss' },
  { name: 'peepoComfy', source: 'ffz', weights: { [C.Supportive]: 2 }, note: 'usage: cozy, enjoying the stream' },
  { name: 'peepoBlanket', source: 'ffz', weights: { [C.Supportive]: 2 }, note: 'usage: cozy, enjoying the stream' },
  { name: 'PETTHEPEEPO', source: 'ffz', weights: love, note: 'usage: affection' },
  { name: 'o7', source: 'twitch', weights: love, note: 'usage: salute, respect' },
  { name: 'xqcL', source: 'twitch', weights: love, note: 'usage: love (a channel emote so widely shared it is read everywhere)' },
  { name: 'Kissahomie', source: '7tv', weights: love, note: 'usage: affection' },
  { name: 'Gladge', source: '7tv', weights: { [C.Supportive]: 2.2 }, note: 'name: glad' },
  { name: 'FeelsOkayMan', source: 'bttv', weights: { [C.Supportive]: 1.4 }, note: 'usage: mild content' },
  { name: 'peepoGiggles', source: 'ffz', weights: { [C.Amused]: 2.6 }, note: 'name: giggling' },
  { name: '5Head', source: 'ffz', weights: { [C.Supportive]: 2 }, note: 'usage: "big brain" (smart play)' },
  { name: 'NOTED', source: '7tv', weights: { [C.Supportive]: 1.2, [C.Amused]: 1 }, note: 'usage: taking note, half joking' },
  { name: 'VirtualHug', source: 'twitch', weights: love, note: 'name: hug' },
  { name: 'SirUwU', source: 'twitch', weights: { [C.Supportive]: 2.2 }, note: 'usage: cute, affectionate' },
  { name: 'TBAngel', source: 'twitch', weights: { [C.Supportive]: 2 }, note: 'usage: innocent, kind' },
  { name: 'VoteYea', source: 'twitch', weights: { [C.Supportive]: 2 }, note: 'name: vote yes' },
  { name: 'KKool', source: 'bttv', weights: { [C.Supportive]: 2 }, note: 'usage: cool, approval' },
  { name: 'KappaCool', source: 'bttv', weights: { [C.Supportive]: 1.8 }, note: 'usage: cool' },
  { name: 'FeelsBirthdayMan', source: 'bttv', weights: { [C.Supportive]: 2.4, [C.Excited]: 1 }, note: 'usage: birthday wishes' },
  // ---------------------------------------------------------------- Critical
  { name: 'NotLikeThis', source: 'twitch', weights: letdown, note: 'usage: facepalm at a failure' },
  { name: 'FailFish', source: 'twitch', weights: letdown, note: 'usage: facepalm' },
  { name: 'WeirdChamp', source: 'ffz', weights: letdown, note: 'usage: disapproval of a weird take' },
  { name: 'WeirdDude', source: '7tv', weights: letdown, note: 'usage: disapproval' },
  { name: 'Weirdge', source: '7tv', weights: letdown, note: 'usage: disapproval' },
  { name: 'FeelsWeirdMan', source: 'ffz', weights: letdown, note: 'usage: disapproval' },
  { name: 'NOPERS', source: 'ffz', weights: letdown, note: 'usage: refusal' },
  { name: 'FeelsBadMan', source: 'bttv', weights: letdown, note: 'name: sad Pepe' },
  { name: 'PepeHands', source: 'ffz', weights: letdown, note: 'usage: crying over a loss' },
  { name: 'Sadge', source: 'ffz', weights: letdown, note: 'name: sad' },
  { name: 'BibleThump', source: 'twitch', weights: letdown, note: 'usage: crying' },
  { name: 'BabyRage', source: 'twitch', weights: letdown, note: 'usage: whining' },
  { name: 'PJSalt', source: 'twitch', weights: letdown, note: 'usage: salt, bitterness' },
  { name: 'Deadge', source: '7tv', weights: letdown, note: 'usage: dead (failed, or chat died)' },
  { name: 'Stare', source: '7tv', weights: { [C.Critical]: 2 }, note: 'usage: unimpressed stare' },
  { name: 'Stinky', source: '7tv', weights: letdown, note: 'usage: smells bad' },
  { name: 'StinkyCheese', source: 'twitch', weights: letdown, note: 'usage: smells bad' },
  { name: 'Copege', source: '7tv', weights: { [C.Critical]: 1.6, [C.Amused]: 1.2 }, note: 'usage: coping with a loss' },
  { name: 'COPIUM', source: '7tv', weights: { [C.Critical]: 1.6, [C.Amused]: 1.2 }, note: 'usage: denial of a bad outcome' },
  { name: 'Smoge', source: '7tv', weights: { [C.Critical]: 2 }, note: 'usage: displeased' },
  { name: 'Okayge', source: '7tv', weights: { [C.Critical]: 0.8 }, note: 'usage: resigned "ok"' },
  { name: 'Despair', source: '7tv', weights: letdown, note: 'name: despair' },
  { name: 'TrollDespair', source: '7tv', weights: letdown, note: 'usage: despair at a bad outcome' },
  { name: 'Pepepains', source: 'ffz', weights: letdown, note: 'name: in pain' },
  { name: 'pepegaAim', source: 'ffz', weights: { [C.Critical]: 2, [C.Amused]: 1 }, note: 'usage: mocking bad aim' },
  { name: 'peepoPooPoo', source: 'ffz', weights: { [C.Critical]: 2, [C.Amused]: 1 }, note: 'usage: "this is poo", scorn' },
  { name: 'ThisIsFine', source: 'ffz', weights: { [C.Critical]: 1.8, [C.Amused]: 1.2 }, note: 'usage: everything is going wrong' },
  { name: 'peepoSad', source: 'ffz', weights: letdown, note: 'name: sad' },
  { name: 'widepeepoSad', source: 'ffz', weights: letdown, note: 'name: sad' },
  { name: 'Sadeg', source: '7tv', weights: letdown, note: 'usage: Sadge variant' },
  { name: 'Smadge', source: '7tv', weights: { [C.Critical]: 2, [C.Hostile]: 1 }, note: 'usage: sad and mad' },
  { name: 'PogO', source: '7tv', weights: { [C.Critical]: 2.2 }, note: 'usage: disapproving "Pog" (something bad happened)' },
  { name: 'DIESOFCRINGE', source: '7tv', weights: { [C.Critical]: 2.8 }, note: 'name: dying of cringe' },
  { name: 'Nerdge', source: '7tv', weights: { [C.Critical]: 1.6, [C.Amused]: 1 }, note: 'usage: mocking a know-it-all' },
  { name: 'Erm', source: '7tv', weights: { [C.Critical]: 1.6 }, note: 'usage: "erm, actually" (mocking pedantry)' },
  { name: 'Tssk', source: '7tv', weights: { [C.Critical]: 2 }, note: 'usage: disapproving click of the tongue' },
  { name: 'BRUHH', source: '7tv', weights: { [C.Critical]: 2 }, note: 'usage: "bruh" (disbelief at something dumb)' },
  { name: 'peepoLeave', source: 'ffz', weights: { [C.Bored]: 2.2, [C.Critical]: 1 }, note: 'usage: leaving (not worth staying)' },
  { name: 'PepeLeave', source: 'ffz', weights: { [C.Bored]: 2.2, [C.Critical]: 1 }, note: 'usage: leaving (not worth staying)' },
  { name: 'cmonBruh', source: 'twitch', weights: { [C.Critical]: 2.2 }, note: 'usage: "come on, bro" at a bad remark' },
  { name: 'SirSad', source: 'twitch', weights: letdown, note: 'name: sad' },
  { name: 'TearGlove', source: 'twitch', weights: letdown, note: 'usage: wiping tears' },
  { name: 'riPepperonis', source: 'twitch', weights: { [C.Critical]: 2 }, note: 'usage: "rip", a loss' },
  { name: 'VoteNay', source: 'twitch', weights: { [C.Critical]: 2 }, note: 'name: vote no' },
  { name: 'YouWHY', source: 'twitch', weights: { [C.Critical]: 2 }, note: 'usage: "why would you"' },
  { name: 'YouDontSay', source: 'twitch', weights: { [C.Critical]: 1.4, [C.Amused]: 1.2 }, note: 'usage: sarcastic "you don\'t say"', mock: true },
  // ---------------------------------------------------------------- Curious
  { name: 'monkaHmm', source: 'ffz', weights: think, note: 'name: thinking' },
  { name: 'HmmSip', source: 'ffz', weights: think, note: 'name: thinking' },
  { name: 'peepoThink', source: 'ffz', weights: think, note: 'name: thinking' },
  { name: 'ModCheck', source: '7tv', weights: think, note: 'usage: looking around for something' },
  { name: 'Susge', source: '7tv', weights: think, note: 'usage: suspicious' },
  { name: 'Hmmge', source: '7tv', weights: { [C.Curious]: 1.6 }, note: 'usage: pondering' },
  { name: 'Wokege', source: '7tv', weights: { [C.Curious]: 1.6 }, note: 'usage: waking up, "what did I miss"' },
  { name: 'PepoThink', source: 'ffz', weights: think, note: 'name: thinking' },
  { name: 'Binoculars', source: '7tv', weights: { [C.Curious]: 2 }, note: 'usage: looking for something' },
  { name: 'DinkDonk', source: '7tv', weights: { [C.Curious]: 1.4 }, note: 'usage: getting the streamer\'s attention' },
  { name: 'Chatting', source: '7tv', weights: { [C.Curious]: 1 }, note: 'usage: chatting, mild' },
  // ---------------------------------------------------------------- Surprised
  { name: 'monkaS', source: 'bttv', weights: shock, note: 'usage: nervous at tension' },
  { name: 'monkaW', source: 'ffz', weights: shock, note: 'usage: very nervous' },
  { name: 'monkaGIGA', source: 'ffz', weights: shock, note: 'usage: extreme nervousness' },
  { name: 'monkaEyes', source: 'ffz', weights: shock, note: 'usage: nervous staring' },
  { name: 'WutFace', source: 'twitch', weights: shock, note: 'name: shocked face' },
  { name: 'HUH', source: '7tv', weights: shock, note: 'usage: disbelief' },
  { name: 'NOWAYING', source: '7tv', weights: shock, note: 'usage: "no way"' },
  { name: 'monkaOMEGA', source: 'ffz', weights: shock, note: 'usage: extreme nervousness' },
  { name: 'HUHH', source: '7tv', weights: shock, note: 'usage: disbelief' },
  { name: 'SSSsss', source: 'twitch', weights: shock, note: 'usage: creeper about to explode, tension' },
  { name: 'TheIlluminati', source: 'twitch', weights: { [C.Surprised]: 2, [C.Amused]: 1 }, note: 'usage: conspiracy "it all connects"' },
  { name: 'monkaChrist', source: 'ffz', weights: shock, note: 'usage: extreme nervousness' },
  { name: 'peepoWTF', source: 'ffz', weights: shock, note: 'name: "wtf"' },
  { name: 'FeelsWowMan', source: 'bttv', weights: shock, note: 'name: amazed' },
  { name: 'Wowee', source: '7tv', weights: shock, note: 'name: wow' },
  { name: 'peepoSitHide', source: '7tv', weights: { [C.Surprised]: 2.2 }, note: 'usage: hiding from something scary' },
  { name: 'WAYTOODANK', source: 'ffz', weights: shock, note: 'usage: overwhelmed' },
  { name: 'SirPrise', source: 'twitch', weights: shock, note: 'name: surprise' },
  { name: 'UWot', source: 'twitch', weights: { [C.Surprised]: 2 }, note: 'usage: "you what?"' },
  { name: 'panicBasket', source: 'twitch', weights: shock, note: 'usage: panic' },
  { name: 'PanicVis', source: 'twitch', weights: shock, note: 'usage: panic' },
  { name: 'WubTF', source: 'bttv', weights: shock, note: 'usage: "what the..."' },
  { name: 'ConcernDoge', source: 'bttv', weights: { [C.Surprised]: 1.8, [C.Critical]: 0.8 }, note: 'usage: concerned' },
  // ---------------------------------------------------------------- Amused (mock: laugh or irony after praise = ridicule)
  { name: 'KEKW', source: 'bttv', weights: laugh, note: 'usage: laughing', mock: true },
  { name: 'KEK', source: 'ffz', weights: laugh, note: 'usage: laughing' },
  { name: 'KEKL', source: '7tv', weights: laugh, note: 'usage: laughing' },
  { name: 'KEKWait', source: '7tv', weights: { [C.Amused]: 2, [C.Surprised]: 1.2 }, note: 'usage: laughing then realising' },
  { name: 'OMEGALUL', source: 'ffz', weights: laugh, note: 'usage: laughing hard, often at someone; 2026 chat: ridicule after praise', mock: true },
  { name: 'LUL', source: 'twitch', weights: laugh, note: 'usage: laughing, often at a fail; 2026 chat: ridicule after praise', mock: true },
  { name: 'LULW', source: 'ffz', weights: laugh, note: 'usage: LUL variant; 2026 chat: ridicule after praise', mock: true },
  { name: 'ICANT', source: '7tv', weights: laugh, note: 'usage: "I can\'t" (laughing); 2026 chat: ridicule after praise', mock: true },
  { name: 'pepeLaugh', source: 'ffz', weights: laugh, note: 'usage: laughing at what is about to go wrong', mock: true },
  { name: 'EleGiggle', source: 'twitch', weights: laugh, note: 'name: giggle' },
  { name: '4Head', source: 'twitch', weights: laugh, note: 'usage: laughing at a bad joke' },
  { name: 'Jebaited', source: 'twitch', weights: laugh, note: 'usage: baited, tricked' },
  { name: 'Kappa', source: 'twitch', weights: { [C.Amused]: 2.6 }, note: 'usage: the sarcasm marker ("just kidding")', mock: true },
  { name: 'Keepo', source: 'twitch', weights: { [C.Amused]: 2.6 }, note: 'usage: Kappa variant (sarcasm)', mock: true },
  { name: 'KappaHD', source: 'twitch', weights: { [C.Amused]: 2.6 }, note: 'usage: Kappa variant (sarcasm)', mock: true },
  { name: 'MingLee', source: 'twitch', weights: laugh, note: 'usage: laughing' },
  { name: 'Clueless', source: '7tv', weights: { [C.Amused]: 2.2, [C.Critical]: 0.8 }, note: 'usage: ironic "surely nothing bad"; 2026 chat: sarcasm after praise', mock: true },
  { name: 'Aware', source: '7tv', weights: { [C.Amused]: 1.6, [C.Surprised]: 1 }, note: 'usage: uncomfortable realisation, half joking' },
  { name: 'forsenLUL', source: 'twitch', weights: laugh, note: 'usage: laughing' },
  { name: 'OhMyDog', source: 'twitch', weights: laugh, note: 'usage: playful' },
  { name: 'TehePelo', source: 'twitch', weights: laugh, note: 'usage: playful' },
  { name: 'Pepega', source: 'ffz', weights: { [C.Amused]: 2, [C.Critical]: 1 }, note: 'usage: laughing at something dumb' },
  { name: 'xdd', source: '7tv', weights: laugh, note: 'usage: laughing' },
  { name: 'LOLW', source: '7tv', weights: laugh, note: 'usage: laughing' },
  { name: 'LULE', source: '7tv', weights: laugh, note: 'usage: LUL variant', mock: true },
  { name: 'FeelsDankMan', source: 'ffz', weights: { [C.Amused]: 2.2 }, note: 'usage: silly, playful' },
  { name: 'forsenCD', source: 'bttv', weights: { [C.Amused]: 2 }, note: 'usage: smug joke' },
  { name: 'Kapp', source: 'ffz', weights: { [C.Amused]: 2.4 }, note: 'usage: Kappa variant (sarcasm)', mock: true },
  { name: 'Jupijej', source: '7tv', weights: laugh, note: 'usage: laughing' },
  { name: 'SURELY', source: '7tv', weights: { [C.Amused]: 1.8, [C.Critical]: 0.8 }, note: 'usage: ironic "surely" (like Clueless)', mock: true },
  { name: '3Head', source: 'ffz', weights: { [C.Amused]: 1.8, [C.Critical]: 1.2 }, note: 'usage: laughing at something dumb' },
  { name: 'Pepege', source: 'ffz', weights: { [C.Amused]: 1.8, [C.Critical]: 1.2 }, note: 'usage: laughing at something dumb' },
  { name: 'BrokeBack', source: 'twitch', weights: laugh, note: 'usage: laughing hard' },
  { name: 'CorgiDerp', source: 'twitch', weights: { [C.Amused]: 2 }, note: 'usage: silly' },
  { name: 'Kippa', source: 'twitch', weights: { [C.Amused]: 2.4 }, note: 'usage: Kappa variant (sarcasm)', mock: true },
  { name: 'WeSmart', source: 'bttv', weights: { [C.Amused]: 2 }, note: 'usage: mock-smart, silly' },
  { name: 'ZULUL', source: 'bttv', weights: laugh, note: 'usage: LUL variant', mock: true },
  // ---------------------------------------------------------------- Bored
  { name: 'ResidentSleeper', source: 'twitch', weights: sleep, note: 'name: sleeping' },
  { name: 'CoolStoryBob', source: 'twitch', weights: sleep, note: 'usage: "cool story", not interested' },
  { name: 'Snore', source: 'bttv', weights: sleep, note: 'name: snoring' },
  { name: 'Bedge', source: '7tv', weights: sleep, note: 'usage: going to sleep' },
  { name: 'Sleepo', source: '7tv', weights: sleep, note: 'name: sleeping' },
  { name: 'SleepyHead', source: 'twitch', weights: sleep, note: 'name: sleepy' },
  // ---------------------------------------------------------------- Hostile
  { name: 'pepeMeltdown', source: 'ffz', weights: { [C.Hostile]: 2, [C.Critical]: 1.4 }, note: 'usage: raging at a failure' },
  { name: 'peepoFinger', source: 'ffz', weights: rage, note: 'name: middle finger' },
  { name: 'SirMad', source: 'twitch', weights: rage, note: 'name: mad' },
  { name: 'SwiftRage', source: 'twitch', weights: rage, note: 'usage: rage' },
  { name: 'DansGame', source: 'twitch', weights: rage, note: 'usage: disgust' },
  { name: 'Madge', source: 'ffz', weights: rage, note: 'name: mad' },
  { name: 'ReallyMad', source: 'ffz', weights: rage, note: 'name: mad' },
  { name: 'MADDIES', source: '7tv', weights: rage, note: 'name: mad' },
];

/** Emotes in EMOTES whose name is also an ordinary English word: read as the emote only in their exact spelling. */
export const WORD_NAMED_EMOTES: ReadonlySet<string> = new Set(['Clueless', 'Aware', 'SURELY', 'Stare', 'NOTED', 'Despair', 'Erm', 'Clap', 'Stinky', 'HUH'].filter((name) => EMOTES.some((e) => e.name === name)));

/** WORD_NAMED_EMOTES lowercased: the word tokens (not the emote) they must not be mistaken for. */
export const WORD_NAMED_EMOTE_WORDS: ReadonlySet<string> = new Set([...WORD_NAMED_EMOTES].map((name) => name.toLowerCase()));
