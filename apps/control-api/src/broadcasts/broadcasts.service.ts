import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { randomUUID } from 'node:crypto';

import {
  type BroadcastAssignmentJob,
  BroadcastSourceType,
  type BroadcastSpec,
  type BroadcastStatusView,
  BroadcastStopReason,
  type BroadcastValidationJob,
  EventTopic,
  RECORD_SEGMENT_SECONDS,
  type RecordSpec,
  QueueNames,
  type SealedUrl,
  broadcastSourceKey,
  toBroadcastStatusView,
} from '@lib-stream/contracts';
import { BroadcastCommandClient, type BroadcastSnapshot, BroadcastState, type LostRecording, sealUrl } from '@lib-stream/broadcast-control';
import { BroadcastSettings, BroadcastTimingSettings, CipherProvider, EventBus, SERVICE_IDENTITY, type ServiceIdentity, eventHeader } from '@lib-stream/nest-kit';
import { TokenCipher, isRtmpUrl, mediaUrlKind } from '@lib-stream/stream-key';

import { BroadcastErrors } from './broadcast.errors';
import { MEDIA_URL_FORMS } from './broadcast-urls';
import { MAX_ADDITIONAL_DESTINATIONS, type StartBroadcastRequest, type UpdateBroadcastRequest, type UpdateBroadcastResponse } from './dto/broadcast.dto';

const MAX_DESTINATIONS = MAX_ADDITIONAL_DESTINATIONS + 1;
/** Camera ids: UUIDs of API-created cameras, or what game engines announce. */
const CAMERA_ID = /^[\w.:-]{1,128}$/;

type PrimarySource = { kind: 'camera'; cameraId: string } | { kind: 'camera-url'; url: string } | { kind: 'audio'; url: string };

interface NewUrl {
  url: string;
  sealed: SealedUrl;
}

/** `undefined` = unchanged, `null` = remove. */
type Replacement = NewUrl | null | undefined;

interface BroadcastChange {
  firstDestination: NewUrl | undefined;
  backgroundVideo: Replacement;
  fallbackStream: Replacement;
  fallbackImage: Replacement;
  added: (NewUrl & { destinationId: string })[];
  removed: string[];
  /** undefined = unchanged; no segmentSeconds = the current one. */
  record: { enabled: boolean; segmentSeconds?: number } | undefined;
}

/**
 * Admin control of RTMP broadcasts. control-api only writes the desired state: a media worker takes
 * each new broadcast from a Bull queue, validates and runs it, and follows later changes (stop,
 * update) that are announced to it. Every URL is stored encrypted next to its masked form.
 */
@Injectable()
export class BroadcastsService {
  private readonly logger = new Logger('Broadcasts');
  private readonly commands: BroadcastCommandClient;

  constructor(
    timing: BroadcastTimingSettings,
    private readonly broadcast: BroadcastSettings,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
    private readonly state: BroadcastState,
    private readonly events: EventBus,
    @InjectQueue(QueueNames.BroadcastAssignments) assignmentQueue: Queue<BroadcastAssignmentJob>,
    @InjectQueue(QueueNames.BroadcastValidations) validationQueue: Queue<BroadcastValidationJob>,
    private readonly cipher: CipherProvider,
  ) {
    this.commands = new BroadcastCommandClient(assignmentQueue, validationQueue, state, { probeTimeoutMs: timing.probeTimeoutMs });
  }

  async start(request: StartBroadcastRequest, createdBy: string | null = null): Promise<BroadcastStatusView> {
    const source = primarySource(request);
    const destinationUrls = [request.rtmpOutputUrl, ...(request.additionalRtmpOutputUrls ?? [])];
    if (new Set(destinationUrls).size !== destinationUrls.length) {
      throw BroadcastErrors.invalid('additionalRtmpOutputUrls repeats a destination: each destination URL may appear once (rtmpOutputUrl included)');
    }
    const cipher = this.requireCipher();
    await this.requireWorker(true);

    const seal = (url: string) => sealUrl(cipher, url);
    const optional = (url: string | null | undefined) => (url ? seal(url) : null);
    const spec: BroadcastSpec = {
      broadcastId: randomUUID(),
      sourceType: request.sourceType,
      video: source.kind === 'camera' ? { kind: 'camera', cameraId: source.cameraId } : source.kind === 'camera-url' ? { kind: 'url', url: seal(source.url) } : { kind: 'none' },
      audio: source.kind === 'audio' ? seal(source.url) : null,
      backgroundVideo: optional(request.backgroundVideoUrl),
      fallbackStream: optional(request.fallbackStreamUrl),
      fallbackImage: optional(request.fallbackImageUrl),
      destinations: destinationUrls.map((url) => ({ destinationId: randomUUID(), url: seal(url) })),
      record: recordSpec(request.record),
      audioCodec: request.audioCodec ?? this.broadcast.audioCodec,
      audioBitrate: request.audioBitrate ?? this.broadcast.audioBitrate,
      sourceKey: broadcastSourceKey(source.kind === 'camera' ? { cameraId: source.cameraId } : { url: source.url }),
      voiceRoomId: null,
      createdBy,
      desired: 'running',
      stopReason: null,
      revision: 1,
      createdAt: new Date().toISOString(),
    };
    const holder = await this.state.activeHolder(spec.sourceKey);
    if (holder) throw BroadcastErrors.sourceBusy(holder);

    const { broadcastId } = spec;
    this.logger.log({ msg: 'broadcast start requested', broadcastId, sourceType: spec.sourceType, destinations: spec.destinations.length });
    const view = await this.commands.start(spec);
    this.logger.log({ msg: 'broadcast started', broadcastId });
    return view ?? this.requireView(broadcastId);
  }

  async stop(broadcastId: string, reason = BroadcastStopReason.Manual): Promise<BroadcastStatusView> {
    const stopping = await this.state.requestChange(broadcastId, (spec) => (spec.desired === 'stopped' ? null : { ...spec, desired: 'stopped', stopReason: reason }));
    if (stopping) this.logger.log({ msg: 'broadcast stop requested', broadcastId, reason });
    const { outcome, lostRecording } = await this.commands.awaitStopped(broadcastId, `control-api:${this.identity.instanceId}`);
    if (outcome === 'finalized') await this.announceStopped(broadcastId, (await this.state.spec(broadcastId))?.stopReason ?? BroadcastStopReason.Manual, lostRecording);
    return this.requireView(broadcastId);
  }

  async update(request: UpdateBroadcastRequest): Promise<UpdateBroadcastResponse> {
    const { broadcastId } = request;
    const current = await this.requireRunning(broadcastId);
    const cipher = this.requireCipher();
    const change = describeChange(request, cipher);
    // Refuse what cannot apply before asking a worker to probe anything.
    applyChange(current, change, cipher);

    const validation: BroadcastValidationJob = {
      sources: (
        [
          ['backgroundVideoUrl', change.backgroundVideo],
          ['fallbackStreamUrl', change.fallbackStream],
          ['fallbackImageUrl', change.fallbackImage],
        ] as const
      ).flatMap(([role, replacement]) => (replacement ? [{ role, url: replacement.sealed }] : [])),
      // Each named by its request field, so a refusal says which URL it was.
      destinations: [
        ...(change.firstDestination ? [{ ...change.firstDestination.sealed, field: 'rtmpOutputUrl' }] : []),
        ...change.added.map((n, i) => ({ ...n.sealed, field: `addRtmpOutputUrls[${i}]` })),
      ],
    };
    if (validation.sources.length > 0 || validation.destinations.length > 0) {
      await this.requireWorker(false);
      await this.commands.validate(validation, randomUUID());
    }

    const updated = await this.state.requestChange(broadcastId, (spec) => {
      if (spec.desired === 'stopped') throw BroadcastErrors.stopped();
      return applyChange(spec, change, cipher);
    });
    const revision = updated?.revision ?? current.revision;
    this.logger.log({
      msg: 'broadcast update requested',
      broadcastId,
      revision,
      destinationsAdded: change.added.length,
      destinationsRemoved: change.removed.length,
      firstDestinationReplaced: change.firstDestination !== undefined,
    });

    const applied = await this.commands.awaitApplied(broadcastId, revision);
    const snapshot = await this.requireSnapshot(broadcastId);
    const done = applied && (snapshot.runtime?.appliedRevision ?? 0) >= revision;
    return { ...viewOf(snapshot), interruption: done ? (snapshot.runtime?.lastInterruption ?? null) : null, pending: !done };
  }

  async status(broadcastId: string): Promise<BroadcastStatusView> {
    return this.requireView(broadcastId);
  }

  /** Newest first; `activeOnly: false` adds broadcasts stopped within the retention period. */
  /** A deleted camera will never come back: its broadcast stops (reason source_disconnected) instead of airing a fallback forever. */
  async stopForCamera(cameraId: string): Promise<string | null> {
    const broadcastId = await this.state.activeHolder(broadcastSourceKey({ cameraId }));
    if (!broadcastId) return null;
    await this.stop(broadcastId, BroadcastStopReason.SourceDisconnected);
    return broadcastId;
  }

  /** cleanup-by-account: stops every active broadcast the account started; returns how many. */
  async stopStartedBy(accountId: string): Promise<number> {
    const snapshots = await Promise.all((await this.state.ids(true)).map((id) => this.state.snapshot(id)));
    const theirs = snapshots.filter((s): s is BroadcastSnapshot => s !== null && s.spec.createdBy === accountId && s.spec.desired === 'running');
    await Promise.all(theirs.map(({ spec }) => this.stop(spec.broadcastId)));
    if (theirs.length) this.logger.log({ msg: 'broadcasts of a deleted account stopped', count: theirs.length });
    return theirs.length;
  }

  async list(activeOnly = true): Promise<BroadcastStatusView[]> {
    const ids = await this.state.ids(activeOnly);
    const snapshots = await Promise.all(ids.map((id) => this.state.snapshot(id)));
    if (!activeOnly) await this.state.forget(ids.filter((_, i) => snapshots[i] === null));
    return snapshots
      .filter((s): s is BroadcastSnapshot => s !== null)
      .sort((a, b) => b.spec.createdAt.localeCompare(a.spec.createdAt))
      .map(viewOf);
  }

  // --- stopping ---

  private async announceStopped(broadcastId: string, reason: BroadcastStopReason, lostRecording: LostRecording | null): Promise<void> {
    this.logger.log({ msg: 'broadcast stopped (no owning media worker)', broadcastId, reason });
    try {
      await this.events.publish(EventTopic.BroadcastStopped, { ...eventHeader(), broadcastId, reason });
    } catch (error) {
      this.logger.warn({ msg: 'could not publish the broadcast stopped event', broadcastId, reason: (error as Error).message });
    }
    if (!lostRecording) return;
    // Its worker died writing it and no worker adopted the broadcast to say so: the uploader hears it here.
    const { recordingId, workerId, segments, bytes } = lostRecording;
    await this.events
      .publish(EventTopic.BroadcastRecordingStopped, { ...eventHeader(), broadcastId, recordingId, workerId: workerId ?? 'unknown', reason: 'worker_lost', segments, bytes })
      .catch((error: Error) => this.logger.warn({ msg: 'could not publish the recording stopped event', broadcastId, reason: error.message }));
  }

  // --- plumbing ---

  private requireCipher(): TokenCipher {
    return this.cipher.require(BroadcastErrors.cipherUnavailable);
  }

  /** A media worker that can run FFmpeg (and, for new broadcasts, has room for one) must be up. */
  private async requireWorker(needCapacity: boolean): Promise<void> {
    const usable = (await this.state.workers()).filter((beat) => beat.ffmpegAvailable && !beat.draining);
    if (usable.length === 0) throw BroadcastErrors.noWorker();
    if (needCapacity && !usable.some((beat) => beat.broadcastsRunning < beat.maxBroadcasts)) {
      throw BroadcastErrors.workersFull();
    }
  }

  private async requireRunning(broadcastId: string): Promise<BroadcastSpec> {
    const spec = await this.state.spec(broadcastId);
    if (!spec) throw BroadcastErrors.notFound();
    if (spec.desired === 'stopped') throw BroadcastErrors.stopped();
    return spec;
  }

  private async requireSnapshot(broadcastId: string): Promise<BroadcastSnapshot> {
    const snapshot = await this.state.snapshot(broadcastId);
    if (!snapshot) throw BroadcastErrors.notFound();
    return snapshot;
  }

  private async requireView(broadcastId: string): Promise<BroadcastStatusView> {
    return viewOf(await this.requireSnapshot(broadcastId));
  }
}

function viewOf(snapshot: BroadcastSnapshot): BroadcastStatusView {
  return toBroadcastStatusView(snapshot.spec, snapshot.runtime, snapshot.ownerAlive);
}

/** What the broadcast reads: the rules that depend on sourceType (the DTO checks the forms). */
function primarySource(request: StartBroadcastRequest): PrimarySource {
  const sourceId = request.sourceId;
  switch (request.sourceType) {
    case BroadcastSourceType.VoiceRoom:
      throw BroadcastErrors.invalid('VoiceRoom broadcasts are started by voice.room.broadcast.approved events, not by this endpoint');
    case BroadcastSourceType.Camera:
      if (!sourceId) throw BroadcastErrors.invalid("sourceId is required for a Camera broadcast: a camera id, or the camera's rtmp:// or rtmps:// URL");
      if (isRtmpUrl(sourceId)) return { kind: 'camera-url', url: sourceId };
      if (!CAMERA_ID.test(sourceId)) throw BroadcastErrors.invalid('sourceId must be a camera id or an rtmp:// or rtmps:// URL for a Camera broadcast');
      return { kind: 'camera', cameraId: sourceId };
    case BroadcastSourceType.GameAudio:
      if (!sourceId) throw BroadcastErrors.invalid(`sourceId is required for a GameAudio broadcast: the audio source, ${MEDIA_URL_FORMS}`);
      if (!mediaUrlKind(sourceId)) throw BroadcastErrors.invalid(`sourceId must be ${MEDIA_URL_FORMS} for a GameAudio broadcast`);
      return { kind: 'audio', url: sourceId };
  }
}

/** The request as a change, with every new URL sealed (what the worker validates is what is stored). */
function describeChange(request: UpdateBroadcastRequest, cipher: TokenCipher): BroadcastChange {
  const newUrl = (url: string): NewUrl => ({ url, sealed: sealUrl(cipher, url) });
  const replacement = (value: string | null | undefined): Replacement => (value === undefined || value === null ? undefined : value === '' ? null : newUrl(value));
  const change: BroadcastChange = {
    firstDestination: request.rtmpOutputUrl ? newUrl(request.rtmpOutputUrl) : undefined,
    backgroundVideo: replacement(request.backgroundVideoUrl),
    fallbackStream: replacement(request.fallbackStreamUrl),
    fallbackImage: replacement(request.fallbackImageUrl),
    added: (request.addRtmpOutputUrls ?? []).map((url) => ({ ...newUrl(url), destinationId: randomUUID() })),
    removed: [...new Set(request.removeDestinationIds ?? [])],
    record: request.record ? { enabled: request.record.enabled, segmentSeconds: request.record.segmentSeconds } : undefined,
  };
  const nothing =
    !change.firstDestination &&
    change.backgroundVideo === undefined &&
    change.fallbackStream === undefined &&
    change.fallbackImage === undefined &&
    change.added.length === 0 &&
    change.removed.length === 0 &&
    change.record === undefined;
  if (nothing) {
    throw BroadcastErrors.invalid('nothing to change: give rtmpOutputUrl, backgroundVideoUrl, fallbackStreamUrl, fallbackImageUrl, addRtmpOutputUrls, removeDestinationIds or record');
  }
  return change;
}

/** The next desired state, or a 400 naming why the change cannot apply to this spec. */
function applyChange(spec: BroadcastSpec, change: BroadcastChange, cipher: TokenCipher): BroadcastSpec {
  const known = new Set(spec.destinations.map((d) => d.destinationId));
  const unknown = change.removed.filter((id) => !known.has(id));
  if (unknown.length > 0) throw BroadcastErrors.invalid(`removeDestinationIds names unknown destinations: ${unknown.join(', ')}`);
  const first = spec.destinations[0];
  if (change.firstDestination && first && change.removed.includes(first.destinationId)) {
    throw BroadcastErrors.invalid(`rtmpOutputUrl replaces destination ${first.destinationId}, which removeDestinationIds removes`);
  }

  // Plain URLs of the destinations after the change, to refuse sending to one twice.
  const plain = new Map<string, string>();
  const kept = spec.destinations
    .map((d, i) => {
      if (i === 0 && change.firstDestination) {
        plain.set(d.destinationId, change.firstDestination.url);
        return { ...d, url: change.firstDestination.sealed };
      }
      return d;
    })
    .filter((d) => !change.removed.includes(d.destinationId));
  const added = change.added.map((a) => {
    plain.set(a.destinationId, a.url);
    return { destinationId: a.destinationId, url: a.sealed };
  });
  if (change.firstDestination && !first) {
    const destinationId = randomUUID();
    plain.set(destinationId, change.firstDestination.url);
    added.unshift({ destinationId, url: change.firstDestination.sealed });
  }
  const destinations = [...kept, ...added];
  if (destinations.length === 0) throw BroadcastErrors.invalid('the update would leave the broadcast without any destination');
  if (destinations.length > MAX_DESTINATIONS) throw BroadcastErrors.invalid(`a broadcast has at most ${MAX_DESTINATIONS} destinations`);
  const seen = new Set<string>();
  for (const destination of destinations) {
    const url = plain.get(destination.destinationId) ?? openOr(cipher, destination.url);
    if (seen.has(url)) throw BroadcastErrors.invalid('the update would send to the same destination twice: rtmpOutputUrl and addRtmpOutputUrls must differ from each other and from the other destinations');
    seen.add(url);
  }

  const replaced = (currentUrl: SealedUrl | null, replacement: Replacement) => (replacement === undefined ? currentUrl : (replacement?.sealed ?? null));
  return {
    ...spec,
    destinations,
    backgroundVideo: replaced(spec.backgroundVideo, change.backgroundVideo),
    fallbackStream: replaced(spec.fallbackStream, change.fallbackStream),
    fallbackImage: replaced(spec.fallbackImage, change.fallbackImage),
    record: change.record ? recordSpec({ enabled: change.record.enabled, segmentSeconds: change.record.segmentSeconds ?? spec.record?.segmentSeconds }) : (spec.record ?? null),
  };
}

/** The requested recording with its default segment length; null when not asked for. */
function recordSpec(request: { enabled: boolean; segmentSeconds?: number } | undefined): RecordSpec | null {
  if (!request) return null;
  return { enabled: request.enabled, segmentSeconds: request.segmentSeconds ?? RECORD_SEGMENT_SECONDS.default };
}

/** The stored URL in the clear for comparison (never shown); unreadable ones compare by ciphertext. */
function openOr(cipher: TokenCipher, url: SealedUrl): string {
  try {
    return cipher.decrypt(url.enc);
  } catch {
    return `enc:${url.enc}`;
  }
}
