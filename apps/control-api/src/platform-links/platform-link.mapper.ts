import { maskRtmpUrl } from '@lib-stream/stream-key';

import type { PlatformLinkDetail } from './dto/platform-link.dto';
import type { PlatformLinkEntity } from './platform-link.entity';
import type { TokenCipher } from '@lib-stream/stream-key';

/** The only way a link leaves the service: no tokens, no platform identity, the RTMP URL masked. */
export function toPlatformLinkDetail(link: PlatformLinkEntity, cipher: TokenCipher): PlatformLinkDetail {
  return {
    linkId: link.id,
    accountId: link.accountId,
    platform: link.platform,
    status: link.needsRelink ? 'needs_relink' : 'active',
    rtmpUrl: link.rtmpUrlEnc ? maskRtmpUrl(cipher.decrypt(link.rtmpUrlEnc)) : null,
    scopes: link.scopes ? link.scopes.split(' ').filter(Boolean) : [],
    linkedAt: link.linkedAt.toISOString(),
    tokenExpiresAt: link.tokenExpiresAt ? link.tokenExpiresAt.toISOString() : null,
  };
}
