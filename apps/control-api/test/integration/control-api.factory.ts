import { randomBytes } from 'node:crypto';

import { Body, Controller, HttpCode, Module, Param, Post } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { IsIn, IsInt, IsString, Max, Min } from 'class-validator';

import { Role } from '@lib-stream/contracts';
import { AppConfig, JsonLogger, createServiceApp, loadConfig, newServiceIdentity } from '@lib-stream/nest-kit';
import { TEST_JWT_SECRET, testRedisUrl } from '@lib-stream/testing';

import { AppModule } from '../../src/app.module';
import { assertOwnAccount, type Principal } from '../../src/auth/principal';
import { CurrentPrincipal, Roles } from '../../src/auth/roles.decorator';
import { setupOpenApi } from '../../src/openapi';

class ProbeDto {
  @IsString()
  @IsIn(['twitch', 'youtube'])
  platform: string;

  @IsInt()
  @Min(1)
  @Max(10)
  count: number;
}

/** Routes that exist only in tests, to exercise the guard, the pipe and the error filter. */
@Controller('probe')
class ProbeController {
  @Post('user/:accountId')
  @HttpCode(200)
  @Roles(Role.User)
  own(@CurrentPrincipal() principal: Principal, @Param('accountId') accountId: string): { accountId: string } {
    assertOwnAccount(principal, accountId, 'platform link');
    return { accountId };
  }

  @Post('admin')
  @HttpCode(200)
  @Roles(Role.Admin)
  admin(): { ok: true } {
    return { ok: true };
  }

  @Post('validate')
  @HttpCode(200)
  @Roles(Role.User)
  validate(@Body() body: ProbeDto): ProbeDto {
    return body;
  }

  @Post('crash')
  @Roles(Role.User)
  crash(): never {
    throw new Error('ER_ACCESS_DENIED_ERROR at db-host:3306 while using twitch-secret-for-scan-4242');
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

export interface ControlApiUnderTest {
  app: INestApplication;
  config: AppConfig;
  logLines: string[];
}

/** Every app built here logs into this one array (Nest's static Logger follows the latest app anyway). */
export const capturedLogLines: string[] = [];

export async function createControlApi(env: Record<string, string>): Promise<ControlApiUnderTest> {
  // Streamed YouTube chat is off unless a test points it at its fake gRPC server (never at Google).
  const config = loadConfig({ STREAM_AUTH_JWT_SECRET: TEST_JWT_SECRET, STREAM_REDIS_URL: testRedisUrl(), STREAM_YOUTUBE_GRPC_TARGET: 'off', ...env }, { required: ['STREAM_AUTH_JWT_SECRET'] });
  const identity = newServiceIdentity('control-api');
  const logLines = capturedLogLines;
  const logger = new JsonLogger({ service: 'control-api', level: 'debug', sink: { write: (line) => logLines.push(line) } });
  const app = await createServiceApp(
    {
      rootModule: () => ({ module: class ControlApiTestRoot {}, imports: [AppModule.forRoot(config, identity), ProbeModule] }),
      configure: (nestApp) => setupOpenApi(nestApp),
    },
    config,
    identity,
    logger,
  );
  await app.init();
  return { app, config, logLines };
}

/**
 * The settings of a control-api whose Twitch is `twitch` (a FakeTwitch or anything with its URLs and
 * client credentials), on the database at `databaseUrl`, with a fresh token encryption key. Specs add
 * their webhook secret and other settings on top.
 */
export function twitchSettings(
  twitch: { clientId: string; clientSecret: string; authBaseUrl: string; apiBaseUrl: string },
  databaseUrl: string,
): Record<string, string> {
  return {
    STREAM_ENABLED: 'true',
    STREAM_DATABASE_URL: databaseUrl,
    STREAM_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    STREAM_OAUTH_REDIRECT_URI: 'https://dashboard.example.com/linked',
    STREAM_TWITCH_CLIENT_ID: twitch.clientId,
    STREAM_TWITCH_CLIENT_SECRET: twitch.clientSecret,
    STREAM_TWITCH_AUTH_BASE_URL: twitch.authBaseUrl,
    STREAM_TWITCH_API_BASE_URL: twitch.apiBaseUrl,
  };
}

/**
 * The settings that point control-api's YouTube (Google OAuth and the Data API) at `google` (a
 * FakeGoogle or anything with its URLs and client credentials). Specs add the OAuth redirect URI and
 * their own settings on top.
 */
export function youtubeSettings(google: { clientId: string; clientSecret: string; authorizationUrl: string; baseUrl: string; youtubeApiBaseUrl: string }): Record<string, string> {
  return {
    STREAM_YOUTUBE_CLIENT_ID: google.clientId,
    STREAM_YOUTUBE_CLIENT_SECRET: google.clientSecret,
    STREAM_GOOGLE_AUTH_URL: google.authorizationUrl,
    STREAM_GOOGLE_OAUTH_BASE_URL: google.baseUrl,
    STREAM_YOUTUBE_API_BASE_URL: google.youtubeApiBaseUrl,
  };
}
