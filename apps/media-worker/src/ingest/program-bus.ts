import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';

import { CameraIngestSettings } from '@lib-stream/nest-kit';

import { NmsAdapter } from './nms-adapter';

export const PROGRAM_APP = 'program';

/**
 * The local "program bus" of each broadcast: an NMS path that exactly one source ffmpeg publishes to
 * and the destination pushers read from, so a source change never touches the destination
 * connection (media.md §4c). Paths are named by an unguessable token, and only this machine's
 * ffmpegs may publish or play them.
 */
@Injectable()
export class ProgramBus {
  private readonly tokens = new Set<string>();

  constructor(
    private readonly ingest: CameraIngestSettings,
    private readonly nms: NmsAdapter,
  ) {}

  open(): { token: string; url: string } {
    const token = randomBytes(16).toString('hex');
    this.tokens.add(token);
    return { token, url: `rtmp://127.0.0.1:${this.ingest.rtmpPort}/${PROGRAM_APP}/${token}` };
  }

  close(token: string): void {
    this.tokens.delete(token);
  }

  isOpen(token: string): boolean {
    return this.tokens.has(token);
  }

  /** A source is publishing on the bus right now (pushers started before that would only wait). */
  hasPublisher(token: string): boolean {
    return this.nms.hasLivePublisher(`/${PROGRAM_APP}/${token}`);
  }

  /** Between two sources: a reader joining now waits for the next source's headers instead of getting the last one's. */
  forgetLastSource(token: string): void {
    this.nms.forgetCachedMedia(`/${PROGRAM_APP}/${token}`);
  }

  /** NMS reports the peer as `address:port`. */
  static isLoopback(ip: string): boolean {
    return /^(127\.|::ffff:127\.|::1(:|$)|\[::1\])/.test(ip);
  }
}
