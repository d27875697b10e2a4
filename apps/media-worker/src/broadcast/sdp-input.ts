/**
 * RTP audio with a dynamic payload type (Opus, for one) needs its SDP. The SDP travels inside the
 * stored audio URL as `data:application/sdp;base64,…` (no temp file, so any worker can run the
 * broadcast), and FFmpeg reads it with `-protocol_whitelist data,rtp,udp`: the SDP can make it open
 * RTP/UDP and nothing else.
 */
export const MAX_SDP_LENGTH = 4096;

const PREFIX = 'data:application/sdp;base64,';

export const SDP_INPUT_ARGS = ['-protocol_whitelist', 'data,rtp,udp', '-f', 'sdp'];

export function isSdpInputUrl(url: string): boolean {
  return url.startsWith(PREFIX);
}

export function sdpInputUrl(sdp: string): string {
  return PREFIX + Buffer.from(sdp, 'utf8').toString('base64');
}

export function sdpOfInputUrl(url: string): string {
  return Buffer.from(url.slice(PREFIX.length), 'base64').toString('utf8');
}

// What an audio-only RTP session needs; anything else (k= keys, a=control URLs, a=rtcp ports,
// host names that would be resolved) is refused.
const LINE = /^(v=0|o=[\x20-\x7e]{1,200}|s=[\x20-\x7e]{0,200}|i=[\x20-\x7e]{0,200}|t=\d+ \d+|b=[A-Z]+:\d{1,9}|c=IN IP[46] [0-9A-Fa-f.:]{2,45}|m=audio \d{1,5} RTP\/AVP \d{1,3}|a=(rtpmap|fmtp|ptime|maxptime|tool):[\x20-\x7e]{1,300}|a=(recvonly|sendonly|sendrecv))$/;

/** Null when `sdp` describes one RTP audio stream at `endpoint` (rtp://host:port), else why not. */
export function sdpProblem(sdp: string, endpoint: string | null): string | null {
  if (sdp.length > MAX_SDP_LENGTH) return `is longer than ${MAX_SDP_LENGTH} characters`;
  const lines = sdp.split(/\r?\n/).filter((line) => line !== '');
  const odd = lines.findIndex((line) => !LINE.test(line));
  if (odd >= 0) return `line ${odd + 1} is not allowed (only v, o, s, i, t, b, c, one m=audio … RTP/AVP and a=rtpmap/fmtp/ptime lines)`;
  const media = lines.filter((line) => line.startsWith('m='));
  const connections = [...new Set(lines.filter((line) => line.startsWith('c=')).map((line) => line.split(' ')[2]))];
  if (lines[0] !== 'v=0' || media.length !== 1 || connections.length !== 1) return 'must be one audio stream: v=0, one c= address and one m=audio line';
  const port = media[0].split(' ')[1];
  if (endpoint !== null) {
    const host = connections[0].includes(':') ? `[${connections[0]}]` : connections[0];
    if (endpoint !== `rtp://${host}:${port}`) return 'must describe rtpAudioEndpoint (its c= address and m= port)';
  }
  return null;
}
