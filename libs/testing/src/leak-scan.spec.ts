import { findLeaks } from './leak-scan';

describe(findLeaks.name, () => {
  it('names each place that holds a secret, and only those', () => {
    const places = { logs: 'user token abc123 refreshed', redis: 'k=v', responses: '{"key":"sk_1"}' };
    expect(findLeaks(places, ['abc123', 'sk_1', 'absent'])).toEqual({ logs: ['abc123'], responses: ['sk_1'] });
    expect(findLeaks(places, ['absent', ''])).toEqual({});
  });
});
