import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsInt, IsOptional, IsUUID, Max, Min, ValidateIf } from 'class-validator';

import { StreamPlatform } from '@lib-stream/contracts';

import { AccountRequest } from '../../auth/account-request.dto';

// The decorator nearest the property is checked first and speaks for it (stopAtFirstError).

export class StartSessionRequest extends AccountRequest {
  @ApiProperty({ enum: StreamPlatform })
  @IsEnum(StreamPlatform, { message: 'platform must be one of: twitch, youtube, custom' })
  platform: StreamPlatform;
}

// The formats in the OpenAPI schema are the ones validation enforces (Streaming Architecture spec:
// platformSessionId and inGameSessionId are `{ type: string, format: uuid }`).
export class SessionRequest extends AccountRequest {
  @ApiProperty({ format: 'uuid', description: 'The platform session (from session/start or session/list)' })
  @IsUUID('4', { message: 'platformSessionId must be a session id (UUID)' })
  platformSessionId: string;
}

export class AssociateSessionRequest extends SessionRequest {
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The in-game streaming session (lib-streaming), or null to clear' })
  @ValidateIf((request: AssociateSessionRequest) => request.inGameSessionId !== null)
  @IsUUID('all', { message: 'inGameSessionId must be a UUID or null' })
  inGameSessionId: string | null;
}

export class ListSessionsRequest extends AccountRequest {
  @ApiPropertyOptional({ default: 0 })
  @Min(0)
  @IsInt()
  @IsOptional()
  offset?: number;

  @ApiPropertyOptional({ default: 20, maximum: 100 })
  @Max(100)
  @Min(1)
  @IsInt()
  @IsOptional()
  limit?: number;
}

export class PlatformSessionStatus {
  @ApiProperty() platformSessionId: string;
  @ApiProperty() accountId: string;
  @ApiProperty() linkId: string;
  @ApiProperty({ enum: StreamPlatform }) platform: StreamPlatform;
  @ApiProperty({ enum: ['active', 'ended'] }) state: 'active' | 'ended';
  @ApiProperty({ nullable: true, type: String }) inGameSessionId: string | null;
  @ApiProperty() startedAt: string;
  @ApiProperty({ nullable: true, type: String }) endedAt: string | null;
  @ApiProperty() durationSeconds: number;
  @ApiProperty() viewerCount: number;
  @ApiProperty() peakViewerCount: number;
  @ApiProperty({ description: 'Sentiment entries so far, per category', type: 'object', additionalProperties: { type: 'number' } })
  sentimentDistribution: Record<string, number>;
  @ApiProperty({ description: 'Entries accepted into the buffer' }) entriesAccepted: number;
  @ApiProperty({ description: 'Entries shed by burst protection' }) entriesShed: number;
  @ApiProperty({ description: 'Chat messages with no sentiment (confidence below STREAM_SENTIMENT_CONFIDENCE_FLOOR): counted, never buffered' })
  messagesWithoutSentiment: number;
  @ApiProperty({ nullable: true, type: Number, description: 'YouTube sessions: Data API units this Google project spent since midnight Pacific (same as youtubeQuota.unitsToday)' })
  youtubeQuotaUnitsToday: number | null;
  @ApiProperty({ nullable: true, type: () => YouTubeQuotaStatus, description: 'YouTube sessions: the Google project\'s quota day so far and where it is heading' })
  youtubeQuota: YouTubeQuotaStatus | null;
  @ApiProperty({ nullable: true, type: () => YouTubeChatStatus, description: 'YouTube sessions: how the live chat is read; null until the reader starts' })
  youtubeChat: YouTubeChatStatus | null;
}

/** YouTube Data API quota of this deployment's Google project (youtube.md §4); resets at midnight Pacific. */
export class YouTubeQuotaStatus {
  @ApiProperty({ description: 'Units spent since midnight Pacific' }) unitsToday: number;
  @ApiProperty({ description: 'STREAM_YOUTUBE_QUOTA_DAILY_UNITS' }) dailyBudget: number;
  @ApiProperty({ description: 'Units per hour over the last two minutes' }) unitsPerHour: number;
  @ApiProperty({ description: 'unitsToday plus the current rate kept up until the reset' }) projectedUnitsToday: number;
  @ApiProperty({ description: 'Factor chat polling intervals are stretched by to stay within the budget (1 = none, -1 = budget spent: polling waits for the reset)' })
  pollingStretch: number;
  @ApiProperty({ description: 'Next reset (midnight Pacific), ISO 8601' }) resetsAt: string;
}

export class YouTubeChatStatus {
  @ApiProperty({ enum: ['streamList', 'polling'], description: 'liveChatMessages.streamList (5 units per connection) or liveChatMessages.list polling (5 units per call)' })
  transport: 'streamList' | 'polling';
  @ApiProperty({ nullable: true, type: String, description: 'Why polling is used: the gRPC status that refused the stream (e.g. UNIMPLEMENTED), or disabled' })
  fallbackReason: string | null;
  @ApiProperty() since: string;
}

export class ListSessionsResponse {
  @ApiProperty({ type: [PlatformSessionStatus] }) sessions: PlatformSessionStatus[];
  @ApiProperty() total: number;
  @ApiProperty() offset: number;
  @ApiProperty() limit: number;
}
