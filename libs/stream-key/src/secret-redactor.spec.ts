import { SecretRedactor } from './secret-redactor';

describe(SecretRedactor.name, () => {
  it('replaces a registered secret wherever it appears', () => {
    const sut = new SecretRedactor();
    sut.register('oauth-token-0123456789');
    expect(sut.redact('Authorization: Bearer oauth-token-0123456789 sent')).toBe('Authorization: Bearer **** sent');
  });

  it('catches the JSON-escaped and URL-encoded forms of a secret', () => {
    const sut = new SecretRedactor();
    sut.register('pa"ss/wo rd!');
    expect(sut.redact(JSON.stringify({ v: 'pa"ss/wo rd!' }))).toBe('{"v":"****"}');
    expect(sut.redact(`q=${encodeURIComponent('pa"ss/wo rd!')}`)).toBe('q=****');
  });

  it('masks stream keys in RTMP URLs even when nothing was registered', () => {
    expect(new SecretRedactor().redact('pushing to rtmp://live.twitch.tv/app/live_42_secret')).toBe(
      'pushing to rtmp://live.twitch.tv/app/****',
    );
  });

  it('ignores values too short to be secrets and stops masking after forget()', () => {
    const sut = new SecretRedactor();
    sut.register('abc');
    sut.register('temporary-secret-value');
    expect(sut.redact('abc temporary-secret-value')).toBe('abc ****');
    sut.forget('temporary-secret-value');
    expect(sut.redact('temporary-secret-value')).toBe('temporary-secret-value');
  });
});
