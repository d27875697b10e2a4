import { Injectable, Logger } from '@nestjs/common';
import { existsSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import NodeMediaServer, { type NmsSession } from 'node-media-server';
import Context from 'node-media-server/src/core/context.js';
import nmsLogger from 'node-media-server/src/core/logger.js';
import { rateSampler } from 'node-media-server/src/core/rate_sampler.js';

import { CameraIngestSettings, ServiceSettings } from '@lib-stream/nest-kit';

/**
 * What a publisher's onMetaData said, as node-media-server 4.4.3 copies it onto its session: codec
 * ids as the client sent them (number or FourCC text), 0 or undefined for what it did not send.
 */
export interface PublisherMetadata {
  videoCodec: unknown;
  videoWidth: number;
  videoHeight: number;
  videoFramerate: number;
  videoDatarate: number;
  audioCodec: unknown;
  audioSamplerate: number;
  audioChannels: number;
}

/**
 * One RTMP connection (a publisher or a reader) as the ingest sees it: node-media-server's session
 * object, its socket and the fields it copies from the client, stay behind this.
 */
export class RtmpSession {
  constructor(private readonly session: NmsSession) {}

  get id(): string {
    return this.session.id;
  }
  /** The peer as `address:port`. */
  get ip(): string {
    return this.session.ip;
  }
  get app(): string {
    return this.session.streamApp;
  }
  get name(): string {
    return this.session.streamName;
  }
  /** `/<app>/<name>` (empty before NMS parsed it). */
  get path(): string {
    return this.session.streamPath;
  }
  /** The connect URL's query string, parsed. */
  get query(): Record<string, string | string[] | undefined> | undefined {
    return this.session.streamQuery;
  }
  /** The connection is gone (closed by the peer or refused). */
  get closed(): boolean {
    return this.session.socket.destroyed;
  }

  /** Stops reading from the connection: nothing it sends is taken in until `resume()`. */
  pause(): void {
    this.session.socket.pause();
  }
  resume(): void {
    this.session.socket.resume();
  }
  /** Called for every chunk received (media or not). */
  onData(listener: () => void): void {
    this.session.socket.on('data', listener);
  }
  /** Called once, when the connection has closed. */
  onceClosed(listener: () => void): void {
    this.session.socket.once('close', listener);
  }

  /**
   * Refuses or cuts the connection: `socket.destroy()`, because NMS's `close()` is a half-close that
   * lets a refused publisher's media through (media.md §2).
   */
  refuse(): void {
    this.session.socket.destroy();
  }

  /** What the publisher's onMetaData said so far (all empty before it sent any). */
  metadata(): PublisherMetadata {
    const { videoCodec, videoWidth, videoHeight, videoFramerate, videoDatarate, audioCodec, audioSamplerate, audioChannels } = this.session;
    return { videoCodec, videoWidth, videoHeight, videoFramerate, videoDatarate, audioCodec, audioSamplerate, audioChannels };
  }

  /** The publisher has sent onMetaData with a picture size or an audio codec. */
  hasMetadata(): boolean {
    return !!this.session.videoWidth || !!this.session.audioCodec;
  }
}

// Each NMS session has one RtmpSession (so the ingest can compare them), and only this file can go back.
const wrappers = new WeakMap<NmsSession, RtmpSession>();
const nmsSessions = new WeakMap<RtmpSession, NmsSession>();

function wrap(session: NmsSession): RtmpSession {
  let wrapper = wrappers.get(session);
  if (!wrapper) {
    wrapper = new RtmpSession(session);
    wrappers.set(session, wrapper);
    nmsSessions.set(wrapper, session);
  }
  return wrapper;
}

function nmsSession(session: RtmpSession): NmsSession {
  const found = nmsSessions.get(session);
  if (!found) throw new Error('not a node-media-server session of this adapter');
  return found;
}

/**
 * The one place that touches node-media-server 4.4.3 and its internals (no public API covers
 * rejecting, re-keying paths or closing readers; media.md §2, §4): the server, its global Context
 * (one NMS per process), its logger, and its session objects (behind RtmpSession).
 *
 * Only the RTMP listener runs. `nms.run()` would also open NMS's JSON store under `store.path`
 * (stream_history.json records every publish with its stream name, i.e. the camera key, refused
 * ones included), take a lock file, and install SIGINT/SIGTERM handlers that re-kill the process;
 * the HTTP, record, relay and notify servers are not used either.
 */
@Injectable()
export class NmsAdapter {
  private nms: NodeMediaServer | null = null;

  constructor(
    private readonly ingest: CameraIngestSettings,
    private readonly service: ServiceSettings,
  ) {}

  start(hooks: { prePublish(session: RtmpSession): void; prePlay(session: RtmpSession): void }): void {
    routeNmsLogs();
    this.removeOldStore();
    this.nms = new NodeMediaServer({ bind: '0.0.0.0', rtmp: { port: this.ingest.rtmpPort }, http: {}, webadmin: { enable: false } });
    this.nms.on('prePublish', (session) => hooks.prePublish(wrap(session)));
    this.nms.on('prePlay', (session) => hooks.prePlay(wrap(session)));
    // NMS writes its connect replies (window size, peer bandwidth, chunk size, onStatus) as separate
    // small writes and never disables Nagle: each was held for the client's delayed ACK, ~40 ms per
    // connect and again per play (ffmpeg -loglevel debug: "Window acknowledgement size" → "Max sent,
    // unacked"), on every source's publish to the program bus and every pusher's read of it.
    this.nms.rtmpServer.tcpServer?.on('connection', (socket: Socket) => socket.setNoDelay(true));
    this.nms.rtmpServer.run();
  }

  /** Earlier versions let NMS keep its store here; its publish history holds camera keys in clear. */
  private removeOldStore(): void {
    const dir = join(resolve(this.service.dataDir), 'nms');
    if (!existsSync(dir)) return;
    rmSync(dir, { recursive: true, force: true });
    new Logger('Ingest').log({ msg: 'removed the node-media-server store an earlier version left (its history held camera keys)' });
  }

  /** Stops listening and drops every RTMP connection. */
  stop(): void {
    if (!this.nms) return;
    rateSampler.stop();
    this.nms.rtmpServer.stop();
    this.nms = null;
  }

  /** NMS's 30 s publish grace delays donePublish; 0 where we run our own grace. */
  setPublishGrace(streamPath: string, ms: number): void {
    const broadcast = Context.broadcasts.get(streamPath);
    if (broadcast) broadcast.publishGraceMs = ms;
  }

  /** A live (not destroyed) publisher on the path other than `except`. */
  otherLivePublisher(streamPath: string, except: RtmpSession): boolean {
    const publisher = Context.broadcasts.get(streamPath)?.publisher;
    return !!publisher && publisher !== nmsSession(except) && !publisher.socket.destroyed;
  }

  hasLivePublisher(streamPath: string): boolean {
    const publisher = Context.broadcasts.get(streamPath)?.publisher;
    return !!publisher && !publisher.socket.destroyed;
  }

  /**
   * Drops what NMS hands a new reader of the path (the gone publisher's metadata, H.264/AAC headers
   * and cached GOP): during its publish grace NMS keeps them, and a reader joining before the next
   * publisher would take the old headers for the new source's frames. Readers already attached are
   * untouched; the next publisher's headers reach everyone as they arrive.
   */
  forgetCachedMedia(streamPath: string): void {
    const broadcast = Context.broadcasts.get(streamPath);
    // Not checked against the publisher: its ffmpeg has exited, NMS may see its socket close a moment later.
    if (!broadcast) return;
    broadcast.flvMetaData = broadcast.flvAudioHeader = broadcast.flvVideoHeader = null;
    broadcast.rtmpMetaData = broadcast.rtmpAudioHeader = broadcast.rtmpVideoHeader = null;
    broadcast.flvGopCache?.clear();
    broadcast.rtmpGopCache?.clear();
  }

  /** Readers of a lost publisher get EOF at once instead of waiting on a dead path (media.md §4a). */
  closeSubscribers(streamPath: string): void {
    for (const subscriber of Context.broadcasts.get(streamPath)?.subscribers.values() ?? []) subscriber.socket.destroy();
  }

  /**
   * Moves a publishing session (inside prePublish, before NMS records it as the publisher) from the
   * path it came in on to `/<app>/<name>`, so the camera key is no longer a path anyone can play and
   * nothing NMS keeps or prints afterwards holds it. A stale broadcast left at the target path by an
   * earlier session is replaced; its readers are cut.
   */
  movePublisher(rtmpSession: RtmpSession, app: string, name: string): void {
    const session = nmsSession(rtmpSession);
    const target = `/${app}/${name}`;
    const broadcast = Context.broadcasts.get(session.streamPath);
    if (!broadcast) throw new Error('publisher has no broadcast to move');
    const stale = Context.broadcasts.get(target);
    if (stale && stale !== broadcast) {
      for (const subscriber of stale.subscribers.values()) subscriber.socket.destroy();
    }
    Context.broadcasts.delete(session.streamPath);
    broadcast.streamPath = target;
    Context.broadcasts.set(target, broadcast);
    session.streamApp = app;
    session.streamName = name;
    session.streamPath = target;
  }
}

/**
 * Masks whatever a client chose as stream path in an NMS log line. NMS prints the raw `app` and
 * `name` of a refused connect (`invalid stream path characters: app=live/<key>, name=extra`) and
 * `/<app>/<name>` elsewhere; any of them can be a camera key, whatever its shape.
 */
export function maskNmsLine(text: string): string {
  return text
    .replace(/\bapp=[\s\S]*$/, 'app=****, name=****')
    .replace(/\/([A-Za-z0-9_-]{1,64})\/\S+/g, '/$1/****')
    .replace(/[A-Za-z0-9_%~.+-]{24,}/g, '****');
}

/** NMS's own lines go through our logger, masked; only its warnings and errors above debug. */
function routeNmsLogs(): void {
  const logger = new Logger('node-media-server');
  nmsLogger.log = (message: string, level = 'info') => {
    const text = maskNmsLine(String(message));
    if (level === 'error') logger.error(text);
    else if (level === 'warn') logger.warn(text);
    else logger.debug(text);
  };
}
