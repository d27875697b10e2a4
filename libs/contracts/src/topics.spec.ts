import { EventTopic, LockKeys } from './index';

// Subscribers in other services hard-code these strings; renaming one silently breaks them.
describe('wire names', () => {
  it('publishes the topics named by the specification', () => {
    expect(Object.values(EventTopic)).toEqual(
      expect.arrayContaining([
        'stream.platform.linked',
        'stream.platform.unlinked',
        'stream.platform.session.started',
        'stream.platform.session.ended',
        'stream.audience.pulse',
        'stream.broadcast.started',
        'stream.broadcast.stopped',
        'stream.broadcast.source-changed',
        'stream.broadcast.health-changed',
        'stream.broadcast.destination-changed',
        'stream.platform.session.viewers',
        'stream.broadcast.recording.segment',
        'stream.broadcast.recording.stopped',
      ]),
    );
    expect(new Set(Object.values(EventTopic)).size).toBe(Object.values(EventTopic).length);
  });

  it('builds the lock keys of the specification', () => {
    expect(LockKeys.link('acc', 'twitch')).toBe('stream:lock:link:acc:twitch');
    expect(LockKeys.session('s1')).toBe('stream:lock:session:s1');
    expect(LockKeys.broadcast('b1')).toBe('stream:lock:broadcast:b1');
    expect(LockKeys.sentimentPublisher()).toBe('stream:lock:sentiment-publisher');
  });
});
