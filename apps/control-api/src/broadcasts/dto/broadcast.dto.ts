import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsDefined,
  IsInt,
  Max,
  Min,
  ValidateNested,
  IsArray,
  IsBoolean,
  IsEnum,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateBy,
  type ValidationOptions,
  buildMessage,
} from 'class-validator';

import {
  type BroadcastHealth,
  type BroadcastInterruption,
  BroadcastSourceType,
  type BroadcastStatusView,
  BroadcastStopReason,
  type DestinationRuntime,
  type DestinationState,
  RECORD_SEGMENT_SECONDS,
  type RecordingState,
  type RecordingStatusView,
  type RecordingStopReason,
  VideoSourceType,
} from '@lib-stream/contracts';
import { mediaUrlKind } from '@lib-stream/stream-key';

import { MEDIA_URL_FORMS, RTMP_DESTINATION_FORM, isRtmpDestination, withFileUrlAsPath, withLowerCaseScheme } from '../broadcast-urls';

// The decorator nearest the property is checked first and speaks for it (stopAtFirstError).
// No message here echoes the value: URLs hold stream keys.

export const MAX_ADDITIONAL_DESTINATIONS = 9;
const MAX_URL_LENGTH = 2048;

function IsRtmpOutputUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRtmpOutputUrl',
      validator: {
        validate: isRtmpDestination,
        defaultMessage: buildMessage(() => `$property must be ${RTMP_DESTINATION_FORM}`, options),
      },
    },
    options,
  );
}

/** A list of destinations; the message names the first bad one by index (`additionalRtmpOutputUrls[1]`). */
function IsRtmpOutputUrlList(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRtmpOutputUrlList',
      validator: {
        validate: (value: unknown) => Array.isArray(value) && value.every(isRtmpDestination),
        defaultMessage: (args) => {
          const index = Array.isArray(args?.value) ? args.value.findIndex((v: unknown) => !isRtmpDestination(v)) : -1;
          return `${args?.property}[${index}] must be ${RTMP_DESTINATION_FORM}`;
        },
      },
    },
    options,
  );
}

/** Lower-cases URL schemes and turns file:/// URLs into paths (one value or each of a list) before anything checks or stores them. */
const normalizeUrl = (value: unknown) => withFileUrlAsPath(withLowerCaseScheme(value));
const LowerCaseScheme = () => Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value.map(normalizeUrl) : normalizeUrl(value)));

/** A source or fallback: RTMP(S), HTTP(S) or an absolute path on the worker; `""` too when `allowEmpty` (= remove it). */
function IsMediaSourceUrl(allowEmpty: boolean, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMediaSourceUrl',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && ((allowEmpty && value === '') || mediaUrlKind(value) !== null),
        defaultMessage: buildMessage((each) => `${each}$property must be ${MEDIA_URL_FORMS}${allowEmpty ? ' ("" removes it)' : ''}`, options),
      },
    },
    options,
  );
}

/**
 * Applies property decorators in the order class-validator checks them: the first here is checked
 * first, as the bottom one of a stack would be.
 */
const checkedInOrder =
  (...decorators: PropertyDecorator[]): PropertyDecorator =>
  (target, key) => {
    for (const decorate of decorators) decorate(target, key);
  };

/** A destination URL (required on start; optional on update, where absent or null leaves it unchanged). */
const RtmpOutputUrlField = (optional: boolean) =>
  checkedInOrder(...(optional ? [IsOptional()] : []), IsString(), MaxLength(MAX_URL_LENGTH), IsRtmpOutputUrl(), LowerCaseScheme());

/** An optional list of destinations, at most MAX_ADDITIONAL_DESTINATIONS, named in its messages by its property. */
const RtmpOutputUrlListField = (): PropertyDecorator => (target, key) =>
  checkedInOrder(
    IsOptional(),
    IsArray(),
    ArrayMaxSize(MAX_ADDITIONAL_DESTINATIONS, { message: `${String(key)} may hold at most ${MAX_ADDITIONAL_DESTINATIONS} URLs` }),
    IsString({ each: true }),
    MaxLength(MAX_URL_LENGTH, { each: true }),
    IsRtmpOutputUrlList(),
    LowerCaseScheme(),
  )(target, key);

/** An optional source or fallback URL; `""` removes it on update. */
const MediaUrlField = () => checkedInOrder(IsOptional(), IsString(), MaxLength(MAX_URL_LENGTH), IsMediaSourceUrl(true), LowerCaseScheme());

const { min: MIN_SEGMENT, max: MAX_SEGMENT } = RECORD_SEGMENT_SECONDS;
const SEGMENT_MESSAGE = { message: `segmentSeconds must be a whole number of seconds from ${MIN_SEGMENT} to ${MAX_SEGMENT}` };

/** `record` on start and update: recording of the program into segmented files beside the live output. */
export class RecordRequest {
  @ApiProperty({ description: 'true: record the program (fallbacks included) into segmented MPEG-TS files on the media worker; false: stop recording' })
  @IsBoolean({ message: 'enabled must be a boolean' })
  @IsDefined({ message: 'enabled is required (true or false)' })
  enabled: boolean;

  @ApiPropertyOptional({ minimum: MIN_SEGMENT, maximum: MAX_SEGMENT, default: RECORD_SEGMENT_SECONDS.default, description: 'Target segment length; cut at the next keyframe after it' })
  @Max(MAX_SEGMENT, SEGMENT_MESSAGE)
  @Min(MIN_SEGMENT, SEGMENT_MESSAGE)
  @IsInt(SEGMENT_MESSAGE)
  @IsOptional()
  segmentSeconds?: number;
}

/** Nested `record`: an object (not an array, not null), each field checked with its path (`record.segmentSeconds ...`). */
function RecordField(): PropertyDecorator {
  const message = 'record must be an object such as {"enabled": true, "segmentSeconds": 10}';
  // Registered in the order they are checked (like stacked decorators, nearest first).
  return (target, key) => {
    IsOptional()(target, key);
    // Not IsNotEmptyObject: `{}` or `{"enabled": null}` is an object, and what it lacks is named below (record.enabled).
    IsObject({ message })(target, key);
    Type(() => RecordRequest)(target, key);
    ValidateNested({ message })(target, key);
  };
}

const BROADCAST_ID_MESSAGE = { message: 'broadcastId must be a broadcast id (UUID)' };

export class StartBroadcastRequest {
  @ApiProperty({ enum: BroadcastSourceType, description: 'VoiceRoom broadcasts start from voice.room.broadcast.approved events, not here' })
  @IsEnum(BroadcastSourceType, { message: 'sourceType must be one of: Camera, GameAudio, VoiceRoom' })
  sourceType: BroadcastSourceType;

  @ApiPropertyOptional({
    description: 'Camera: a camera id, or an rtmp(s):// URL to read the camera from. GameAudio: the audio URL (rtmp(s)://, http(s):// or an absolute path on the media worker).',
    example: '2f8c3e57-1b1b-4c52-a3f5-6d0e2a0f4c22',
  })
  @LowerCaseScheme()
  @MaxLength(MAX_URL_LENGTH)
  @IsString()
  @IsOptional()
  sourceId?: string;

  @ApiProperty({ description: 'RTMP(S) destination including its stream key; stored encrypted, shown masked', example: 'rtmp://live.twitch.tv/app/live_123_abc' })
  @RtmpOutputUrlField(false)
  rtmpOutputUrl: string;

  @ApiPropertyOptional({ type: [String], description: `Further RTMP(S) destinations fed by the same program (at most ${MAX_ADDITIONAL_DESTINATIONS})` })
  @RtmpOutputUrlListField()
  additionalRtmpOutputUrls?: string[];

  @ApiPropertyOptional({ nullable: true, type: String, description: 'Primary video for audio-only sources' })
  @MediaUrlField()
  backgroundVideoUrl?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'Shown while the primary source is down' })
  @MediaUrlField()
  fallbackStreamUrl?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'Still image shown when no stream is available' })
  @MediaUrlField()
  fallbackImageUrl?: string | null;

  @ApiPropertyOptional({ enum: ['aac', 'libmp3lame'], description: 'Default: STREAM_BROADCAST_AUDIO_CODEC' })
  @IsIn(['aac', 'libmp3lame'], { message: 'audioCodec must be one of: aac, libmp3lame' })
  @IsOptional()
  audioCodec?: 'aac' | 'libmp3lame';

  @ApiPropertyOptional({ example: '128k', description: 'Default: STREAM_BROADCAST_AUDIO_BITRATE' })
  @Matches(/^\d+[kKmM]?$/, { message: 'audioBitrate must be a bitrate such as 128k' })
  @IsString()
  @IsOptional()
  audioBitrate?: string;

  @ApiPropertyOptional({ type: RecordRequest, description: 'Record the broadcast beside its live output (default: not recorded)' })
  @RecordField()
  record?: RecordRequest;
}

export class BroadcastIdRequest {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', BROADCAST_ID_MESSAGE)
  broadcastId: string;
}

export class UpdateBroadcastRequest extends BroadcastIdRequest {
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Replaces the first destination (absent or null = unchanged)' })
  @RtmpOutputUrlField(true)
  rtmpOutputUrl?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'Absent or null = unchanged, "" = remove' })
  @MediaUrlField()
  backgroundVideoUrl?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'Absent or null = unchanged, "" = remove' })
  @MediaUrlField()
  fallbackStreamUrl?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'Absent or null = unchanged, "" = remove' })
  @MediaUrlField()
  fallbackImageUrl?: string | null;

  @ApiPropertyOptional({ type: [String], description: 'RTMP(S) destinations to add' })
  @RtmpOutputUrlListField()
  addRtmpOutputUrls?: string[];

  @ApiPropertyOptional({ type: [String], description: 'destinationId values (from status) to remove' })
  @IsUUID('all', { each: true, message: 'each value in removeDestinationIds must be a destination id (UUID)' })
  @ArrayMaxSize(MAX_ADDITIONAL_DESTINATIONS + 1)
  @IsArray()
  @IsOptional()
  removeDestinationIds?: string[];

  @ApiPropertyOptional({ type: RecordRequest, description: 'Turn recording on or off, or change the segment length (a new recording starts)' })
  @RecordField()
  record?: RecordRequest;
}

export class ListBroadcastsRequest {
  @ApiPropertyOptional({ default: true, description: 'false: also broadcasts stopped within the last hour' })
  @IsBoolean({ message: 'activeOnly must be a boolean' })
  @IsOptional()
  activeOnly?: boolean;
}

export class DestinationStatusResponse implements DestinationRuntime {
  @ApiProperty({ format: 'uuid' }) destinationId: string;
  @ApiProperty({ description: 'Masked: rtmp://host/app/****' }) rtmpOutputUrl: string;
  @ApiProperty({ enum: ['connecting', 'live', 'retrying', 'failed', 'stopped'] }) state: DestinationState;
  @ApiProperty({ nullable: true, type: String, description: 'Masked' }) lastError: string | null;
  @ApiProperty() retryCount: number;
  @ApiProperty() bytesSent: number;
  @ApiProperty({ nullable: true, type: String }) liveSince: string | null;
}

export class RecordingStatusResponse implements RecordingStatusView {
  @ApiProperty() enabled: boolean;
  @ApiProperty() segmentSeconds: number;
  @ApiProperty({ enum: ['recording', 'stopped', 'off'] }) state: RecordingState | 'off';
  @ApiProperty({ nullable: true, type: String, description: 'The current or last recording (one folder <broadcastId>/<recordingId>)' }) recordingId: string | null;
  @ApiProperty({ description: 'Complete segments over every recording of the broadcast' }) segments: number;
  @ApiProperty() bytes: number;
  @ApiProperty({ nullable: true, enum: ['broadcast_stopped', 'disabled', 'segment_length_changed', 'disk_low', 'handed_over', 'worker_lost', 'lease_lost', 'error'] })
  stopReason: RecordingStopReason | null;
}

export class BroadcastStatusResponse implements BroadcastStatusView {
  @ApiProperty({ format: 'uuid' }) broadcastId: string;
  @ApiProperty({ enum: BroadcastSourceType }) sourceType: BroadcastSourceType;
  @ApiProperty({ nullable: true, type: String, description: 'Camera id, or the masked source URL' }) sourceId: string | null;
  @ApiProperty() isActive: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'First destination, masked (stream key hidden)' }) rtmpOutputUrl: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Masked' }) currentVideoSource: string | null;
  @ApiProperty({ nullable: true, enum: VideoSourceType }) videoSourceType: VideoSourceType | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) startedAt: string | null;
  @ApiProperty({ nullable: true, type: Number }) durationSeconds: number | null;
  @ApiProperty({ enum: ['healthy', 'degraded', 'unhealthy', 'stopped'] }) health: BroadcastHealth;
  @ApiProperty({ type: [DestinationStatusResponse] }) destinations: DestinationStatusResponse[];
  @ApiProperty({ nullable: true, type: String, description: 'Masked' }) fallbackStreamUrl: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Masked' }) fallbackImageUrl: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Masked' }) backgroundVideoUrl: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The media worker running it' }) workerId: string | null;
  @ApiProperty() sourceRestarts: number;
  @ApiProperty({ nullable: true, type: String, description: 'Masked' }) lastError: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) stoppedAt: string | null;
  @ApiProperty({ nullable: true, enum: BroadcastStopReason }) stopReason: BroadcastStopReason | null;
  @ApiProperty({ description: 'Revision of the desired state' }) revision: number;
  @ApiProperty({ description: 'Revision the media worker has applied' }) appliedRevision: number;
  @ApiProperty({ nullable: true, type: RecordingStatusResponse, description: 'null when recording was never enabled' }) recording: RecordingStatusResponse | null;
}

export class BroadcastInterruptionResponse implements BroadcastInterruption {
  @ApiProperty() revision: number;
  @ApiProperty() destinationsReconnected: number;
  @ApiProperty() destinationsAdded: number;
  @ApiProperty() destinationsRemoved: number;
  @ApiProperty() sourceRestarted: boolean;
  @ApiProperty({ description: 'Expected frozen video at the destinations that stayed connected' }) estimatedGapMs: number;
}

export class UpdateBroadcastResponse extends BroadcastStatusResponse {
  @ApiProperty({ nullable: true, type: BroadcastInterruptionResponse, description: 'What applying the update interrupted; null while pending' })
  interruption: BroadcastInterruptionResponse | null;

  @ApiProperty({ description: 'true: the media worker has not applied the update yet (it will)' })
  pending: boolean;
}

export class ListBroadcastsResponse {
  @ApiProperty({ type: [BroadcastStatusResponse] }) broadcasts: BroadcastStatusResponse[];
}
