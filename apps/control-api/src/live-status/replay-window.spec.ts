import { ReplayWindow } from './replay-window';

const item = (cursor: string) => ({ cursor });

describe('ReplayWindow', () => {
  it('returns what came after a cursor, [] for the latest, null for a cursor it does not hold', () => {
    const window = new ReplayWindow<{ cursor: string }>(10, 60_000);
    ['a', 'b', 'c'].forEach((c) => window.push(item(c)));
    expect(window.after('a')).toEqual([item('b'), item('c')]);
    expect(window.after('c')).toEqual([]);
    expect(window.after('zzz')).toBeNull();
    expect(window.latest()).toBe('c');
  });

  it('forgets beyond its size and its age, so an old cursor asks for a resync', () => {
    let now = 0;
    const window = new ReplayWindow<{ cursor: string }>(2, 1000, () => now);
    ['a', 'b', 'c'].forEach((c) => window.push(item(c)));
    expect(window.after('a')).toBeNull();
    expect(window.after('b')).toEqual([item('c')]);
    now = 1500;
    window.push(item('d'));
    expect(window.after('c')).toBeNull();
    expect(window.latest()).toBe('d');
  });

  it('holds no cursor after clear (a Redis gap), so every resume becomes a resync', () => {
    const window = new ReplayWindow<{ cursor: string }>(10, 60_000);
    ['a', 'b'].forEach((c) => window.push(item(c)));
    window.clear();
    expect(window.after('a')).toBeNull();
    expect(window.latest()).toBeNull();
  });
});
