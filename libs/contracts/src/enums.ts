export enum StreamPlatform {
  Twitch = 'twitch',
  YouTube = 'youtube',
  Custom = 'custom',
}

export enum BroadcastSourceType {
  Camera = 'Camera',
  GameAudio = 'GameAudio',
  VoiceRoom = 'VoiceRoom',
}

export enum BroadcastStopReason {
  Manual = 'manual',
  Error = 'error',
  SourceDisconnected = 'source_disconnected',
  ConsentRevoked = 'consent_revoked',
}

export enum VideoSourceType {
  PrimaryStream = 'primary_stream',
  FallbackStream = 'fallback_stream',
  FallbackImage = 'fallback_image',
  Default = 'default',
  Black = 'black',
}

export enum Role {
  User = 'user',
  Admin = 'admin',
  Developer = 'developer',
}

export type ServiceName = 'control-api' | 'media-worker' | 'pulse-publisher';
