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
    expect(checkVoiceApproved(good)).toEqual({ ok: true, value: { ...good, rtpAudioSdp: null } });
    expect(checkVoiceApproved({ ...good, eventId: undefined })).toEqual({ ok: true, value: { ...good, eventId: null, rtpAudioSdp: null } });
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

  it('takes an SDP for dynamic payload types (Opus) when it describes the endpoint and nothing else', () => {
    const endpoint = 'rtp://127.0.0.1:5004';
    const sdp = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=room', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 5004 RTP/AVP 97', 'b=AS:96', 'a=rtpmap:97 opus/48000/2', 'a=fmtp:97 sprop-stereo=1', ''].join('\r\n');
    const event = { roomId: 'room-1', rtpAudioEndpoint: endpoint, rtpAudioSdp: sdp };
    expect(checkVoiceApproved(event)).toEqual({ ok: true, value: { roomId: 'room-1', eventId: null, rtpAudioEndpoint: endpoint, rtpAudioSdp: sdp } });
    const refused: [string, string][] = [
      [sdp.replace('m=audio 5004', 'm=audio 6000'), 'rtpAudioSdp must describe rtpAudioEndpoint (its c= address and m= port)'],
      [sdp.replace('c=IN IP4 127.0.0.1', 'c=IN IP4 voice.internal'), 'rtpAudioSdp line 4 is not allowed'],
      [`${sdp}a=control:rtsp://10.0.0.1/x\r\n`, 'rtpAudioSdp line 10 is not allowed'],
      [`${sdp}k=clear:secret\r\n`, 'rtpAudioSdp line 10 is not allowed'],
      [`${sdp}m=video 5006 RTP/AVP 96\r\n`, 'rtpAudioSdp line 10 is not allowed'],
      [`${sdp}m=audio 5008 RTP/AVP 0\r\n`, 'rtpAudioSdp must be one audio stream'],
      [sdp.replace('m=audio 5004 RTP/AVP 97', 'm=audio 5004 RTP/AVP 97 0'), 'rtpAudioSdp line 6 is not allowed'],
      [`${sdp}a=fmtp:97 ${'x'.repeat(5000)}`, 'rtpAudioSdp is longer than 4096 characters'],
    ];
    for (const [text, reason] of refused) {
      const checked = checkVoiceApproved({ ...event, rtpAudioSdp: text });
      expect(checked.ok).toBe(false);
      expect(!checked.ok && checked.reason).toContain(reason);
    }
    expect(checkVoiceApproved({ ...event, rtpAudioSdp: 42 })).toEqual({ ok: false, reason: 'rtpAudioSdp must be SDP text' });
  });

  it('bounds the stop event too', () => {
    expect(checkVoiceStopped({ roomId: 'room-1', reason: 'consent_revoked' })).toEqual({ ok: true, value: { roomId: 'room-1', reason: 'consent_revoked' } });
    expect(checkVoiceStopped({ roomId: 'x'.repeat(129) })).toEqual({ ok: false, reason: 'roomId is longer than 128 characters' });
  });
});
