import { SentimentCategory as C } from '@lib-stream/privacy';

import { scoreGiftBomb, scoreHypeTrain, scorePoll, scorePrediction, scorePredictionResult, scoreSuperChat } from '../../sentiment/audience-event-scores';
import { mapTwitchChannelEvent } from './twitch-channel-events';

// Payloads in the shape of Twitch's EventSub reference examples (twitch.md has no examples for these types).
const broadcaster = { broadcaster_user_id: '1337', broadcaster_user_login: 'cool_user', broadcaster_user_name: 'Cool_User' };

const pollChoices = [
  { id: '123', title: 'Blue', bits_votes: 50, channel_points_votes: 70, votes: 120 },
  { id: '124', title: 'Yellow', bits_votes: 100, channel_points_votes: 40, votes: 140 },
  { id: '125', title: 'Green', bits_votes: 10, channel_points_votes: 70, votes: 80 },
];
const poll = {
  id: '1243456',
  ...broadcaster,
  title: 'Aren’t shoes just really hard socks?',
  choices: pollChoices,
  bits_voting: { is_enabled: true, amount_per_vote: 10 },
  channel_points_voting: { is_enabled: true, amount_per_vote: 10 },
  started_at: '2020-07-15T17:16:03.17106713Z',
};

const predictor = (id: string, used: number) => ({ user_name: `Cool_User${id}`, user_login: `cool_user${id}`, user_id: id, channel_points_won: null, channel_points_used: used });
const outcomes = [
  { id: '1243456', title: 'Yeah!', color: 'blue', users: 10, channel_points: 15000, top_predictors: [predictor('1234', 500)] },
  { id: '2243456', title: 'No!', color: 'pink', users: 30, channel_points: 5000, top_predictors: [predictor('4321', 200)] },
];
const prediction = { id: '1243456', ...broadcaster, title: 'Aren’t shoes just really hard socks?', outcomes, started_at: '2020-07-15T17:16:03.17106713Z' };

const hypeTrain = {
  id: '1b0AsbInCHZW2SQFQkCzqN07Ib2',
  ...broadcaster,
  total: 137,
  progress: 137,
  goal: 500,
  top_contributions: [{ user_id: '123', user_login: 'pogchamp', user_name: 'PogChamp', type: 'bits', total: 50 }],
  level: 2,
  all_time_high_level: 4,
  all_time_high_total: 2845,
  shared_train_participants: null,
  started_at: '2020-07-15T17:16:03.17106713Z',
  expires_at: '2020-07-15T17:16:11.17106713Z',
  type: 'regular',
  is_shared_train: false,
};

/** A `channel.chat.notification` with every notice object null but the one `notice_type` names. */
function notification(noticeType: string, fields: Record<string, unknown>, chatter: Record<string, unknown> = {}) {
  const notices = ['sub', 'resub', 'sub_gift', 'community_sub_gift', 'gift_paid_upgrade', 'prime_paid_upgrade', 'raid', 'unraid', 'pay_it_forward', 'announcement', 'charity_donation', 'bits_badge_tier'];
  return {
    ...broadcaster,
    chatter_user_id: '49912639',
    chatter_user_login: 'viewer23',
    chatter_user_name: 'viewer23',
    chatter_is_anonymous: false,
    color: '',
    badges: [],
    system_message: 'system line',
    message_id: 'd62235c8-47ff-a4f4--84e8-5a29a65a9c03',
    message: { text: '', fragments: [] },
    notice_type: noticeType,
    ...Object.fromEntries(notices.map((n) => [n, null])),
    source_broadcaster_user_id: null,
    source_broadcaster_user_login: null,
    source_broadcaster_user_name: null,
    source_message_id: null,
    source_badges: null,
    ...chatter,
    ...fields,
  };
}

describe(mapTwitchChannelEvent.name, () => {
  const moment = (result: unknown) => ({ kind: 'scored', viewerId: null, result });

  it('polls: Curious, by the votes of every kind; only a completed poll counts at the end', () => {
    const begin = { ...poll, choices: pollChoices.map(({ id, title }) => ({ id, title })), ends_at: '2020-07-15T17:16:08.17106713Z' };
    expect(mapTwitchChannelEvent('channel.poll.begin', begin)).toEqual(moment(scorePoll(0)));
    // One progress event per vote: nothing (the poll counts at its end).
    expect(mapTwitchChannelEvent('channel.poll.progress', { ...poll, ends_at: '2020-07-15T17:16:08.17106713Z' })).toBeNull();
    const end = { ...poll, status: 'completed', ended_at: '2020-07-15T17:16:11.17106713Z' };
    expect(mapTwitchChannelEvent('channel.poll.end', end)).toEqual(moment(scorePoll(340)));
    expect(scorePoll(340).category).toBe(C.Curious);
    expect(mapTwitchChannelEvent('channel.poll.end', { ...end, status: 'terminated' })).toBeNull();
    expect(mapTwitchChannelEvent('channel.poll.end', { ...end, status: 'archived' })).toBeNull();
  });

  it('predictions: Excited by the points at stake; the result is Surprised for an upset; a cancelled one is nothing', () => {
    expect(mapTwitchChannelEvent('channel.prediction.begin', { ...prediction, outcomes: outcomes.map(({ id, title, color }) => ({ id, title, color })) })).toEqual(moment(scorePrediction(0)));
    expect(mapTwitchChannelEvent('channel.prediction.progress', { ...prediction, locks_at: '2020-07-15T17:21:03.17106713Z' })).toBeNull();
    expect(mapTwitchChannelEvent('channel.prediction.lock', { ...prediction, locked_at: '2020-07-15T17:21:03.17106713Z' })).toEqual(moment(scorePrediction(20_000)));
    const end = { ...prediction, winning_outcome_id: '1243456', status: 'resolved', ended_at: '2020-07-15T17:16:11.17106713Z' };
    // 10 of 40 predictors backed the winner.
    expect(mapTwitchChannelEvent('channel.prediction.end', end)).toEqual(moment(scorePredictionResult(10, 40, 20_000)));
    expect((mapTwitchChannelEvent('channel.prediction.end', end) as { result: { category: C } }).result.category).toBe(C.Surprised);
    expect((mapTwitchChannelEvent('channel.prediction.end', { ...end, winning_outcome_id: '2243456' }) as { result: { category: C } }).result.category).toBe(C.Excited);
    expect(mapTwitchChannelEvent('channel.prediction.end', { ...end, winning_outcome_id: null, status: 'canceled' })).toBeNull();
  });

  it('hype trains: Excited by level, and nobody in the payload is tracked', () => {
    expect(mapTwitchChannelEvent('channel.hype_train.begin', hypeTrain)).toEqual(moment(scoreHypeTrain(2)));
    // One progress event per contribution, whose cheer or sub has an entry of its own: nothing.
    expect(mapTwitchChannelEvent('channel.hype_train.progress', { ...hypeTrain, level: 4 })).toBeNull();
    const end = { ...hypeTrain, level: 5, cooldown_ends_at: '2020-07-15T18:16:11.17106713Z', ended_at: '2020-07-15T17:16:11.17106713Z' };
    expect(mapTwitchChannelEvent('channel.hype_train.end', end)).toEqual(moment(scoreHypeTrain(5)));
    expect(JSON.stringify(mapTwitchChannelEvent('channel.hype_train.end', end))).not.toContain('123');
  });

  it('gifts: a single gift is a gifted sub from the gifter; a gift bomb is one entry by its size; its single gifts are not counted again', () => {
    const gift = { duration_months: 1, cumulative_total: 5, recipient_user_id: '777', recipient_user_name: 'Lucky', recipient_user_login: 'lucky', sub_tier: '2000', community_gift_id: null };
    const single = notification('sub_gift', { sub_gift: gift });
    expect(mapTwitchChannelEvent('channel.chat.notification', single)).toEqual({ kind: 'subscription', viewerId: '49912639', tier: '2000', isGift: true });
    const partOfBomb = notification('sub_gift', { sub_gift: { ...gift, community_gift_id: '9999' } });
    expect(mapTwitchChannelEvent('channel.chat.notification', partOfBomb)).toBeNull();
    const bomb = notification('community_sub_gift', { community_sub_gift: { id: '9999', total: 20, sub_tier: '1000', cumulative_total: 120 } });
    expect(mapTwitchChannelEvent('channel.chat.notification', bomb)).toEqual({ kind: 'scored', viewerId: '49912639', result: scoreGiftBomb(20, '1000') });
    const anonymous = notification('community_sub_gift', { community_sub_gift: { id: '1', total: 5, sub_tier: '3000', cumulative_total: null } }, { chatter_is_anonymous: true });
    expect(mapTwitchChannelEvent('channel.chat.notification', anonymous)).toMatchObject({ viewerId: null, result: scoreGiftBomb(5, '3000') });
  });

  it("a moderator's announcement is scored as chat; the streamer's own is not the audience's reaction", () => {
    const announcement = notification(
      'announcement',
      { announcement: { color: 'PRIMARY' }, message: { text: 'GG everyone, what a run!', fragments: [{ type: 'text', text: 'GG everyone, what a run!', cheermote: null, emote: null, mention: null }] } },
      { badges: [{ set_id: 'moderator', id: '1', info: '' }] },
    );
    expect(mapTwitchChannelEvent('channel.chat.notification', announcement)).toEqual({
      kind: 'chat',
      viewerId: '49912639',
      text: 'GG everyone, what a run!',
      signals: { isModerator: true, isVip: false, isSubscriber: false },
    });
    expect(mapTwitchChannelEvent('channel.chat.notification', notification('announcement', { announcement: { color: 'BLUE' } }))).toBeNull();
    const own = notification('announcement', { announcement: { color: 'PRIMARY' }, message: { text: 'Giveaway now, type !enter!', fragments: [] } }, { chatter_user_id: '1337' });
    expect(mapTwitchChannelEvent('channel.chat.notification', own)).toBeNull();
  });

  it('upgrades, pay-it-forward and charity donations are support; sub, resub, raid and other notices are left to their own subscriptions', () => {
    expect(mapTwitchChannelEvent('channel.chat.notification', notification('prime_paid_upgrade', { prime_paid_upgrade: { sub_tier: '1000' } }))).toMatchObject({ kind: 'subscription', isGift: false });
    expect(mapTwitchChannelEvent('channel.chat.notification', notification('gift_paid_upgrade', { gift_paid_upgrade: { gifter_is_anonymous: true, gifter_user_id: null, gifter_user_name: null, gifter_user_login: null } }))).toMatchObject({ kind: 'subscription', isGift: false });
    expect(mapTwitchChannelEvent('channel.chat.notification', notification('pay_it_forward', { pay_it_forward: { gifter_is_anonymous: false, gifter_user_id: '5', gifter_user_name: 'G', gifter_user_login: 'g' } }))).toMatchObject({ kind: 'subscription', isGift: true });
    const charity = notification('charity_donation', { charity_donation: { charity_name: 'Example', amount: { value: 5000, decimal_place: 2, currency: 'USD' } } });
    expect(mapTwitchChannelEvent('channel.chat.notification', charity)).toEqual({ kind: 'scored', viewerId: '49912639', result: scoreSuperChat(50_000_000, 'USD') });
    const resub = notification('resub', { resub: { cumulative_months: 10, duration_months: 1, streak_months: null, sub_tier: '1000', is_prime: false, is_gift: false, gifter_is_anonymous: null, gifter_user_id: null, gifter_user_name: null, gifter_user_login: null } });
    const raid = notification('raid', { raid: { user_id: '22', user_name: 'Raider', user_login: 'raider', viewer_count: 300, profile_image_url: '' } });
    const sub = notification('sub', { sub: { sub_tier: '1000', is_prime: false, duration_months: 1 } });
    for (const event of [resub, raid, sub, notification('unraid', { unraid: {} }), notification('bits_badge_tier', { bits_badge_tier: { tier: 1000 } })]) {
      expect(mapTwitchChannelEvent('channel.chat.notification', event)).toBeNull();
    }
  });

  it('ignores shared-chat notices from another channel, unknown notices and types, and survives malformed payloads', () => {
    const shared = notification('community_sub_gift', { community_sub_gift: { id: '1', total: 5, sub_tier: '1000', cumulative_total: null }, source_broadcaster_user_id: '42' });
    expect(mapTwitchChannelEvent('channel.chat.notification', shared)).toBeNull();
    expect(mapTwitchChannelEvent('channel.chat.notification', notification('shared_chat_sub_gift', {}))).toBeNull();
    expect(mapTwitchChannelEvent('channel.chat.notification', notification('something_new', {}))).toBeNull();
    expect(mapTwitchChannelEvent('channel.poll.vote', poll)).toBeNull();
    expect(mapTwitchChannelEvent('channel.poll.end', { status: 'completed', choices: 'nope' })).toEqual(moment(scorePoll(0)));
    expect(mapTwitchChannelEvent('channel.prediction.lock', { outcomes: [null, { channel_points: 'x' }] })).toEqual(moment(scorePrediction(0)));
    expect(mapTwitchChannelEvent('channel.chat.notification', { notice_type: 'community_sub_gift' })).toEqual({ kind: 'scored', viewerId: null, result: scoreGiftBomb(0, '1000') });
  });
});
