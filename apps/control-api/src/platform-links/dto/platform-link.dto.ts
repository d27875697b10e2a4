import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';

import { StreamPlatform } from '@lib-stream/contracts';

import { AccountRequest } from '../../auth/account-request.dto';

// class-validator checks the decorator nearest the property first, and the pipe stops at the first
// failure per property: the nearest decorator carries the message a caller should read.

export class LinkPlatformRequest extends AccountRequest {
  @ApiProperty({ enum: StreamPlatform })
  @IsEnum(StreamPlatform, { message: 'platform must be one of: twitch, youtube, custom' })
  platform: StreamPlatform;

  @ApiPropertyOptional({ description: 'custom only: the RTMP(S) destination including its stream key; stored encrypted, shown masked' })
  @ValidateIf((request: LinkPlatformRequest) => request.platform === StreamPlatform.Custom || request.rtmpUrl !== undefined)
  @MaxLength(2048)
  @IsString({ message: 'rtmpUrl is required for a custom link' })
  rtmpUrl?: string;
}

export class PlatformCallbackRequest extends AccountRequest {
  @ApiProperty({ enum: [StreamPlatform.Twitch, StreamPlatform.YouTube] })
  @IsEnum(StreamPlatform, { message: 'platform must be one of: twitch, youtube, custom' })
  platform: StreamPlatform;

  @ApiProperty({ description: 'The `state` from the link response, echoed by the platform' })
  @MaxLength(256)
  @IsNotEmpty()
  @IsString()
  state: string;

  @ApiPropertyOptional({ description: 'The `code` the platform put on the redirect' })
  @ValidateIf((request: PlatformCallbackRequest) => request.error === undefined)
  @MaxLength(2048)
  @IsNotEmpty()
  @IsString({ message: 'code is required unless the platform returned an error' })
  code?: string;

  @ApiPropertyOptional({ description: 'The `error` the platform put on the redirect (e.g. access_denied)' })
  @MaxLength(256)
  @IsString()
  @IsOptional()
  error?: string;
}

export class AccountPlatformRequest extends AccountRequest {
  @ApiProperty({ enum: StreamPlatform })
  @IsEnum(StreamPlatform, { message: 'platform must be one of: twitch, youtube, custom' })
  platform: StreamPlatform;
}


export class PlatformLinkDetail {
  @ApiProperty() linkId: string;
  @ApiProperty() accountId: string;
  @ApiProperty({ enum: StreamPlatform }) platform: StreamPlatform;
  @ApiProperty({ enum: ['active', 'needs_relink'], description: 'needs_relink: the platform no longer accepts the stored grant; link again' })
  status: 'active' | 'needs_relink';
  @ApiProperty({ nullable: true, type: String, description: 'custom only, masked: rtmp://host/app/****' }) rtmpUrl: string | null;
  @ApiProperty({ type: [String] }) scopes: string[];
  @ApiProperty() linkedAt: string;
  @ApiProperty({ nullable: true, type: String }) tokenExpiresAt: string | null;
}

export class LinkPlatformResponse {
  @ApiProperty({ enum: StreamPlatform }) platform: StreamPlatform;
  @ApiProperty({ nullable: true, type: String, description: 'Send the creator’s browser here (Twitch/YouTube); null for custom' })
  authorizationUrl: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Single-use; the platform echoes it to your redirect page' }) state: string | null;
  @ApiProperty({ nullable: true, type: String }) expiresAt: string | null;
  @ApiProperty({ nullable: true, type: PlatformLinkDetail, description: 'custom: the stored link' }) link: PlatformLinkDetail | null;
}

export class ListPlatformsResponse {
  @ApiProperty({ type: [PlatformLinkDetail] }) platforms: PlatformLinkDetail[];
}

export class UnlinkPlatformResponse {
  @ApiProperty() linkId: string;
  @ApiProperty({ enum: StreamPlatform }) platform: StreamPlatform;
  @ApiProperty({ description: 'false when the platform could not revoke the grant (the link is removed anyway)' }) revoked: boolean;
}

export class CleanupByAccountResponse {
  @ApiProperty() accountId: string;
  @ApiProperty({ type: [String], enum: StreamPlatform }) unlinked: StreamPlatform[];
  @ApiProperty({ description: 'Broadcasts this account had started that were stopped' }) broadcastsStopped: number;
}
