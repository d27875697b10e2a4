import type { StreamPlatform } from '@lib-stream/contracts';

export interface TokenSet {
  accessToken: string;
  /** Null when the platform sent none (a refresh that does not rotate keeps the old one). */
  refreshToken: string | null;
  expiresAt: Date | null;
  scopes: string[];
}

export interface PlatformIdentity {
  platformUserId: string;
  displayName: string;
}

export interface OAuthGrant {
  tokens: TokenSet;
  identity: PlatformIdentity;
}

export type OAuthPlatform = StreamPlatform.Twitch | StreamPlatform.YouTube;

/** The platform refused the authorization code (unknown, expired or already used). */
export class AuthorizationCodeRejectedError extends Error {
  override readonly name = 'AuthorizationCodeRejectedError';
}

/** The refresh token no longer works (revoked, expired, rotated away): the creator must link again. */
export class RefreshTokenRejectedError extends Error {
  override readonly name = 'RefreshTokenRejectedError';
}

/** The platform answered 401 to an API call made with an access token. */
export class AccessTokenRejectedError extends Error {
  override readonly name = 'AccessTokenRejectedError';
}

/** The platform could not be reached or failed (timeout, 5xx); worth retrying later. */
export class PlatformUnavailableError extends Error {
  override readonly name = 'PlatformUnavailableError';
}
