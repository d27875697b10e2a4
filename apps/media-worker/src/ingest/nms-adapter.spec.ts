import { maskNmsLine } from './nms-adapter';

const KEY = 'sk_0123456789abcdefghijABCDEFGHIJ_-klmnopqrs';

describe('maskNmsLine', () => {
  it.each([
    [`RTMP session x1 127.0.0.1:5000 start push /live/${KEY}`, 'RTMP session x1 127.0.0.1:5000 start push /live/****'],
    [`RTMP session x1 127.0.0.1:5000 invalid stream path characters: app=live/${KEY}, name=extra`, 'RTMP session x1 127.0.0.1:5000 invalid stream path characters: app=****, name=****'],
    [`RTMP session x1 127.0.0.1:5000 invalid stream path characters: app=${KEY}, name=`, 'RTMP session x1 127.0.0.1:5000 invalid stream path characters: app=****, name=****'],
    [`RTMP session x1 127.0.0.1:5000 play /program/${'a'.repeat(32)} error, x`, 'RTMP session x1 127.0.0.1:5000 play /program/**** error, x'],
    [`parserData error, bad name ${KEY}`, 'parserData error, bad name ****'],
  ])('masks %s', (line, masked) => {
    expect(maskNmsLine(line)).toBe(masked);
  });

  it('leaves lines without client paths readable', () => {
    expect(maskNmsLine('RTMP session mx298epoxn1dfx0b close')).toBe('RTMP session mx298epoxn1dfx0b close');
  });
});
