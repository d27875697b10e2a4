import { mapTwitchNotification } from './twitch-event-mapper';

const fragment = (type: string, text: string, emote: { id: string; owner_id: string } | null = null) => ({ type, text, cheermote: null, emote, mention: null });

describe('mapTwitchNotification, channel.chat.message', () => {
  const base = { broadcaster_user_id: '1', chatter_user_id: '2', badges: [], source_broadcaster_user_id: null };

  it('carries the emote fragments (text, id, owner) so the engine knows which words are emotes', () => {
    const event = {
      ...base,
      message: {
        text: 'great play LUL streamerHype',
        fragments: [fragment('text', 'great play '), fragment('emote', 'LUL', { id: '425618', owner_id: '0' }), fragment('text', ' '), fragment('emote', 'streamerHype', { id: 'emotesv2_1', owner_id: '1' })],
      },
    };
    expect(mapTwitchNotification('channel.chat.message', event)).toEqual({
      kind: 'chat',
      viewerId: '2',
      text: 'great play LUL streamerHype',
      signals: { isModerator: false, isVip: false, isSubscriber: false },
      emotes: [
        { text: 'LUL', id: '425618', ownerId: '0' },
        { text: 'streamerHype', id: 'emotesv2_1', ownerId: '1' },
      ],
    });
  });

  it('adds no emotes field for a message without emote fragments, and survives malformed fragments', () => {
    const plain = mapTwitchNotification('channel.chat.message', { ...base, message: { text: 'hello', fragments: [fragment('text', 'hello')] } });
    expect(plain).not.toHaveProperty('emotes');
    const odd = mapTwitchNotification('channel.chat.message', { ...base, message: { text: 'hi', fragments: [null, 7, { type: 'emote' }, { type: 'emote', text: 'Kappa', emote: null }] } });
    expect(odd).toMatchObject({ kind: 'chat', emotes: [{ text: 'Kappa' }] });
  });
});
