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

export class SessionRequest extends AccountRequest {
  @ApiProperty()
  @IsUUID('4', { message: 'platformSessionId must be a session id (UUID)' })
  platformSessionId: string;
}

export class AssociateSessionRequest extends SessionRequest {
  @ApiProperty({ nullable: true, type: String, description: 'The in-game streaming session (lib-streaming), or null to clear' })
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
  @ApiProperty({ nullable: true, type: Number, description: 'YouTube sessions: Data API units spent today by this deployment (default daily quota 10,000)' })
  youtubeQuotaUnitsToday: number | null;
}

export class ListSessionsResponse {
  @ApiProperty({ type: [PlatformSessionStatus] }) sessions: PlatformSessionStatus[];
  @ApiProperty() total: number;
  @ApiProperty() offset: number;
  @ApiProperty() limit: number;
}
