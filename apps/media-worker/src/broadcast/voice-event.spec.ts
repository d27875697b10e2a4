import { checkVoiceApproved, checkVoiceStopped, rtpEndpointProblem } from './voice-event';

describe('voice events', () => {
  it('accepts rtp://host:port endpoints only', () => {
    for (const ok of ['rtp://127.0.0.1:5004', 'rtp://voice-7.voice.svc:40000', 'rtp://[::1]:5004']) expect({ ok, problem: rtpEndpointProblem(ok) }).toEqual({ ok, problem: null });
    for (const bad of [
      'http://127.0.0.1:8080/audio',
      'https://voice.example.com/a.mp3',
      '/etc/passwd',
      '/opt/bannou/backgrounds/default.mp4',
      'rtmp://127.0.0.1/voice/x',
      'rtp://127.0.0.1',
      'rtp://127.0.0.1:70000',
      'rtp://127.0.0.1:5004?localaddr=10.0.0.1',
      'rtp://user@127.0.0.1:5004',
      'rtp://127.0.0.1:5004/x',
      'RTP://127.0.0.1:5004 -i /etc/passwd',
    ]) {
      expect({ bad, problem: rtpEndpointProblem(bad) }).toEqual({ bad, problem: 'must be an rtp://host:port URL (RTP audio only)' });
    }
    expect(rtpEndpointProblem(`rtp://${'a'.repeat(200_000)}:5004`)).toBe('is longer than 256 characters');
  });

  it('drops approvals with a missing, oversized or odd field, saying why in a few words', () => {
    const good = { eventId: 'e-1', roomId: 'room-1', rtpAudioEndpoint: 'rtp://127.0.0.1:5004' };
    expect(checkVoiceApproved(good)).toEqual({ ok: true, value: good });
    expect(checkVoiceApproved({ ...good, eventId: undefined })).toEqual({ ok: true, value: { ...good, eventId: null } });
    const reasons = [
      [null, 'needs roomId'],
      [{ ...good, roomId: 'r'.repeat(200_000) }, 'roomId is longer than 128 characters'],
      [{ ...good, roomId: 'room 1\n' }, 'roomId may hold only letters, digits and . _ : -'],
      [{ ...good, eventId: 'e'.repeat(129) }, 'eventId is longer than 128 characters'],
      [{ ...good, rtpAudioEndpoint: 42 }, 'needs rtpAudioEndpoint'],
      [{ ...good, rtpAudioEndpoint: 'http://10.0.0.1/a' }, 'rtpAudioEndpoint must be an rtp://host:port URL (RTP audio only)'],
      [{ ...good, rtpAudioEndpoint: `rtp://${'a'.repeat(200_000)}:1` }, 'rtpAudioEndpoint is longer than 256 characters'],
    ] as const;
    for (const [event, reason] of reasons) expect(checkVoiceApproved(event)).toEqual({ ok: false, reason });
  });

  it('bounds the stop event too', () => {
    expect(checkVoiceStopped({ roomId: 'room-1', reason: 'consent_revoked' })).toEqual({ ok: true, value: { roomId: 'room-1', reason: 'consent_revoked' } });
    expect(checkVoiceStopped({ roomId: 'x'.repeat(129) })).toEqual({ ok: false, reason: 'roomId is longer than 128 characters' });
  });
});
