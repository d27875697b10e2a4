import { randomBytes } from 'node:crypto';
import { type Socket, connect as tcpConnect, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

import { maskRtmpUrl } from '@lib-stream/stream-key';

export type RtmpCheckReason = 'invalid_url' | 'refused' | 'timeout' | 'handshake_failed' | 'connect_rejected' | 'dns' | 'tls';

export class RtmpCheckError extends Error {
  override readonly name = 'RtmpCheckError';

  constructor(
    readonly reason: RtmpCheckReason,
    message: string,
  ) {
    super(message);
  }
}

const HANDSHAKE_SIZE = 1536;
const DEFAULT_CHUNK_SIZE = 128;
const MSG_SET_CHUNK_SIZE = 1;
const MSG_AMF3_COMMAND = 17;
const MSG_AMF0_COMMAND = 20;

interface Target {
  secure: boolean;
  host: string;
  port: number;
  app: string;
  tcUrl: string;
}

/**
 * Proves that an RTMP(S) destination answers: TCP (or TLS), the RTMP handshake and a `connect` to
 * its application. It never publishes, so the channel does not go live, and therefore it cannot
 * tell whether the stream key is right; only the first real publish can.
 */
export async function checkRtmpServer(url: string, timeoutMs: number, address?: string): Promise<void> {
  const target = parseTarget(url);
  const shown = maskRtmpUrl(url);
  const fail = (reason: RtmpCheckReason, problem: string) => new RtmpCheckError(reason, `RTMP destination ${shown} ${problem}`);

  return new Promise<void>((resolve, reject) => {
    let phase: 'connecting' | 'tls' | 'handshake' | 'connect' = 'connecting';
    let handshake = Buffer.alloc(0);
    const reader = new ChunkReader();
    // `address`: the one the policy vetted, so a name that resolves elsewhere by now is not followed.
    const host = address ?? target.host;
    const socket: Socket = target.secure
      ? tlsConnect({ host, port: target.port, servername: isIP(target.host) ? undefined : target.host })
      : tcpConnect({ host, port: target.port });

    // One deadline for DNS, connect, TLS and RTMP together: a black hole must not hold the caller.
    const timer = setTimeout(() => finish(fail('timeout', `did not answer within ${timeoutMs} ms`)), timeoutMs);
    const finish = (error?: RtmpCheckError) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };

    const startHandshake = () => {
      phase = 'handshake';
      // C0 (version 3) + C1 (time 0, zero 0, random): the plain handshake every server accepts.
      const c1 = randomBytes(HANDSHAKE_SIZE).fill(0, 0, 8);
      socket.write(Buffer.concat([Buffer.from([3]), c1]));
    };
    socket.once('connect', () => (target.secure ? (phase = 'tls') : startHandshake()));
    socket.once('secureConnect', startHandshake);

    socket.on('data', (data: Buffer) => {
      if (phase === 'handshake') {
        handshake = Buffer.concat([handshake, data]);
        if (handshake[0] !== 3) return finish(fail('handshake_failed', 'does not speak RTMP (bad handshake version)'));
        if (handshake.length < 1 + 2 * HANDSHAKE_SIZE) return;
        // C2 echoes S1; the connect command goes in the same write.
        const s1 = handshake.subarray(1, 1 + HANDSHAKE_SIZE);
        socket.write(Buffer.concat([s1, connectCommand(target.app, target.tcUrl)]));
        phase = 'connect';
        data = handshake.subarray(1 + 2 * HANDSHAKE_SIZE);
      }
      if (phase !== 'connect') return;
      for (const message of reader.push(data)) {
        const name = commandName(message);
        if (name === '_result') return finish();
        if (name === '_error') {
          const code = /NetConnection\.Connect\.[A-Za-z]+/.exec(message.payload.toString('latin1'))?.[0] ?? '_error';
          return finish(fail('connect_rejected', `refused the RTMP connect to app "${target.app}" (${code})`));
        }
      }
    });

    socket.on('error', (error: NodeJS.ErrnoException) => finish(networkFailure(phase, error.code ?? 'unknown', fail)));
    socket.on('close', () => {
      if (phase === 'handshake') finish(fail('handshake_failed', 'closed the connection during the RTMP handshake'));
      else if (phase === 'connect') finish(fail('connect_rejected', `closed the connection instead of answering the connect to app "${target.app}"`));
      else finish(fail(phase === 'tls' ? 'tls' : 'refused', 'is unreachable: connection closed'));
    });
  });
}

function parseTarget(url: string): Target {
  // The URL is never echoed here: an unparsable one might not be masked properly.
  const invalid = new RtmpCheckError('invalid_url', 'RTMP destination is not a valid rtmp:// or rtmps:// URL with an application path');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid;
  }
  const secure = parsed.protocol === 'rtmps:';
  const app = parsed.pathname.split('/')[1] ?? '';
  // The masker stops at whitespace, quotes, backslashes and angle brackets, so such a URL could leak its key.
  if ((!secure && parsed.protocol !== 'rtmp:') || !parsed.hostname || !app || /[\s"'\\<>]/.test(url)) throw invalid;
  const port = parsed.port ? Number(parsed.port) : secure ? 443 : 1935;
  return {
    secure,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    app,
    // Like FFmpeg: always with the port, and without the stream key.
    tcUrl: `${parsed.protocol}//${parsed.hostname}:${port}/${app}`,
  };
}

function networkFailure(phase: string, code: string, fail: (reason: RtmpCheckReason, problem: string) => RtmpCheckError): RtmpCheckError {
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return fail('dns', `is unreachable: host name not found (${code})`);
  if (phase === 'connecting') {
    if (code === 'ECONNREFUSED') return fail('refused', 'is unreachable: connection refused');
    if (code === 'ETIMEDOUT') return fail('timeout', 'is unreachable: connection timed out');
    return fail('refused', `is unreachable (${code})`);
  }
  if (phase === 'tls') return fail('tls', `failed the TLS handshake (${code})`);
  if (phase === 'handshake') return fail('handshake_failed', `broke off the RTMP handshake (${code})`);
  return fail('connect_rejected', `broke off the RTMP connect (${code})`);
}

function amfString(value: string, withMarker = true): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const head = Buffer.alloc(2);
  head.writeUInt16BE(bytes.length);
  return Buffer.concat([withMarker ? Buffer.from([0x02]) : Buffer.alloc(0), head, bytes]);
}

/** AMF0 `connect` (transaction 1) on chunk stream 3, split into 128-byte chunks as the default chunk size requires. */
function connectCommand(app: string, tcUrl: string): Buffer {
  const transaction = Buffer.alloc(9);
  transaction.writeDoubleBE(1, 1);
  const fields = Object.entries({ app, type: 'nonprivate', flashVer: 'FMLE/3.0', tcUrl }).map(([key, value]) =>
    Buffer.concat([amfString(key, false), amfString(value)]),
  );
  const payload = Buffer.concat([amfString('connect'), transaction, Buffer.from([0x03]), ...fields, Buffer.from([0, 0, 0x09])]);

  // fmt 0 header: csid 3, timestamp 0, length, type 20, message stream 0.
  const header = Buffer.alloc(12);
  header[0] = 3;
  header.writeUIntBE(payload.length, 4, 3);
  header[7] = MSG_AMF0_COMMAND;
  const parts = [header];
  for (let offset = 0; offset < payload.length; offset += DEFAULT_CHUNK_SIZE) {
    if (offset > 0) parts.push(Buffer.from([0xc3])); // fmt 3 continuation on csid 3
    parts.push(payload.subarray(offset, offset + DEFAULT_CHUNK_SIZE));
  }
  return Buffer.concat(parts);
}

interface RtmpMessage {
  type: number;
  payload: Buffer;
}

/** The command name (first AMF0 value) of a command message, or null for anything else. */
function commandName({ type, payload }: RtmpMessage): string | null {
  const offset = type === MSG_AMF3_COMMAND ? 1 : 0;
  if ((type !== MSG_AMF0_COMMAND && type !== MSG_AMF3_COMMAND) || payload.length < offset + 3 || payload[offset] !== 0x02) return null;
  return payload.toString('utf8', offset + 3, offset + 3 + payload.readUInt16BE(offset + 1));
}

interface ChunkStream {
  length: number;
  type: number;
  extendedTimestamp: boolean;
  body: Buffer[];
  received: number;
}

/**
 * Reassembles RTMP messages from the server's chunks. Servers differ in which header formats and
 * chunk sizes they use before `_result`, so all four formats and Set Chunk Size are followed.
 */
class ChunkReader {
  private buffer = Buffer.alloc(0);
  private chunkSize = DEFAULT_CHUNK_SIZE;
  private readonly streams = new Map<number, ChunkStream>();

  push(data: Buffer): RtmpMessage[] {
    this.buffer = Buffer.concat([this.buffer, data]);
    const messages: RtmpMessage[] = [];
    for (let used = this.readChunk(messages); used > 0; used = this.readChunk(messages)) {
      this.buffer = this.buffer.subarray(used);
    }
    return messages;
  }

  /** Consumes one whole chunk; returns its size, or 0 while it has not fully arrived. */
  private readChunk(messages: RtmpMessage[]): number {
    const b = this.buffer;
    if (b.length < 1) return 0;
    const fmt = b[0] >> 6;
    let csid = b[0] & 0x3f;
    let offset = 1;
    if (csid === 0) {
      if (b.length < 2) return 0;
      [csid, offset] = [64 + b[1], 2];
    } else if (csid === 1) {
      if (b.length < 3) return 0;
      [csid, offset] = [64 + b[1] + b[2] * 256, 3];
    }
    const headerSize = [11, 7, 3, 0][fmt];
    if (b.length < offset + headerSize) return 0;
    const stream = this.streams.get(csid) ?? { length: 0, type: 0, extendedTimestamp: false, body: [], received: 0 };
    // Re-reading the same header after a short read sets the same values, so this is safe to repeat.
    if (fmt < 3) stream.extendedTimestamp = b.readUIntBE(offset, 3) === 0xffffff;
    if (fmt < 2) [stream.length, stream.type] = [b.readUIntBE(offset + 3, 3), b[offset + 6]];
    offset += headerSize + (stream.extendedTimestamp ? 4 : 0);
    const size = Math.min(this.chunkSize, stream.length - stream.received);
    if (b.length < offset + size) return 0;

    this.streams.set(csid, stream);
    stream.body.push(b.subarray(offset, offset + size));
    stream.received += size;
    if (stream.received >= stream.length) {
      const payload = Buffer.concat(stream.body);
      [stream.body, stream.received] = [[], 0];
      if (stream.type === MSG_SET_CHUNK_SIZE && payload.length >= 4) this.chunkSize = Math.max(1, payload.readUInt32BE(0) & 0x7fffffff);
      messages.push({ type: stream.type, payload });
    }
    return offset + size;
  }
}
