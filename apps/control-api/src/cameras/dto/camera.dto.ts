import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';

// The decorator nearest the property is checked first and speaks for it (stopAtFirstError).

export class CreateCameraRequest {
  @ApiProperty({ description: 'Label for dashboards', example: 'arena-overview' })
  @Matches(/^[\w .:-]+$/, { message: 'name may contain letters, digits, spaces and . _ : - only' })
  @MaxLength(64)
  @IsNotEmpty()
  @IsString()
  name: string;

  @ApiPropertyOptional({ example: 1280 })
  @Max(7680)
  @Min(16)
  @IsInt()
  @IsOptional()
  expectedWidth?: number;

  @ApiPropertyOptional({ example: 720 })
  @Max(4320)
  @Min(16)
  @IsInt()
  @IsOptional()
  expectedHeight?: number;
}

export class CameraIdRequest {
  @ApiProperty()
  @IsUUID('4', { message: 'cameraId must be a camera id (UUID)' })
  cameraId: string;
}

export class CameraMetadataDto {
  @ApiProperty({ nullable: true, type: String }) videoCodec: string | null;
  @ApiProperty({ nullable: true, type: Number }) width: number | null;
  @ApiProperty({ nullable: true, type: Number }) height: number | null;
  @ApiProperty({ nullable: true, type: Number }) fps: number | null;
  @ApiProperty({ nullable: true, type: Number }) videoBitrateKbps: number | null;
  @ApiProperty({ nullable: true, type: String }) audioCodec: string | null;
  @ApiProperty({ nullable: true, type: Number }) audioSampleRate: number | null;
  @ApiProperty({ nullable: true, type: Number }) audioChannels: number | null;
}

export class CameraDetail {
  @ApiProperty() cameraId: string;
  @ApiProperty({ enum: ['ingest', 'engine'] }) source: 'ingest' | 'engine';
  @ApiProperty({ nullable: true, type: String }) name: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'ingest cameras: the URL the encoder connects to' }) ingestUrl: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Always masked; the key is shown only when created or reset' }) streamKey: string | null;
  @ApiProperty({ enum: ['live', 'reconnecting', 'offline', 'unknown'], description: '`unknown` while Redis, which holds the live state, is unavailable' })
  state: 'live' | 'reconnecting' | 'offline' | 'unknown';
  @ApiProperty({ nullable: true, type: String, description: 'live/reconnecting: since when it has been live' }) liveSince: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The media worker holding the publisher' }) workerId: string | null;
  @ApiProperty({ nullable: true, type: CameraMetadataDto }) metadata: CameraMetadataDto | null;
  @ApiProperty({ nullable: true, type: Number }) expectedWidth: number | null;
  @ApiProperty({ nullable: true, type: Number }) expectedHeight: number | null;
  @ApiProperty({ nullable: true, type: String }) createdAt: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'When the key was last reset' }) keyResetAt: string | null;
}

export class CameraCredentialsResponse {
  @ApiProperty({ type: CameraDetail }) camera: CameraDetail;
  @ApiProperty({ description: 'Put in the encoder as the server URL' }) ingestUrl: string;
  @ApiProperty({ description: 'Shown this once; store it in the encoder. Reset it if it leaks.' }) streamKey: string;
}

export class ListCamerasResponse {
  @ApiProperty({ type: [CameraDetail] }) cameras: CameraDetail[];
  @ApiProperty({ description: 'false while Redis is unavailable: states are `unknown` and engine-announced cameras are missing' })
  liveStateAvailable: boolean;
}

export class DeleteCameraResponse {
  @ApiProperty() cameraId: string;
  @ApiProperty() deleted: boolean;
}
