import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

import { Role } from '@lib-stream/contracts';
import { SentimentCategory } from '@lib-stream/privacy';

import { Roles } from '../auth/roles.decorator';
import { SENTIMENT_PROCESSOR, type SentimentProcessor } from '../sentiment/sentiment-processor';

const CUES = ['normalised', 'negation', 'contrast', 'mockery', 'rhetorical-question', 'insult-aimed', 'spam-damped', 'unknown-emote', 'deleet'];

export class TestSentimentRequest {
  @ApiProperty({ example: 'PogChamp LETS GOOO' })
  @MaxLength(2000)
  @IsNotEmpty()
  @IsString()
  text: string;

  @ApiPropertyOptional({
    description: 'Words the platform would mark as emotes (Twitch message fragments of type "emote"); an unknown one adds nothing',
    example: ['PogChamp', 'streamerHype'],
    type: [String],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  emotes?: string[];
}

export class TestSentimentResponse {
  @ApiProperty({ enum: ['sentiment', 'no-sentiment'], description: 'no-sentiment: the message would produce no buffer entry' })
  verdict: 'sentiment' | 'no-sentiment';
  @ApiProperty({ enum: SentimentCategory, nullable: true, description: 'The entry category, null for no-sentiment' })
  category: SentimentCategory | null;
  @ApiProperty({ minimum: 0, maximum: 1, description: 'The entry intensity, 0 for no-sentiment' })
  intensity: number;
  @ApiProperty({ enum: ['scored', 'empty', 'bot-command', 'no-evidence', 'below-floor'], description: 'Why: empty after normalisation, a bot command ("!lurk"), nothing known in it, or confidence under the floor' })
  reason: string;
  @ApiProperty({ enum: SentimentCategory, nullable: true, description: 'The best category before the floor was applied' })
  candidate: SentimentCategory | null;
  @ApiProperty({ minimum: 0, maximum: 1 }) confidence: number;
  @ApiProperty({ minimum: 0, maximum: 1, description: 'STREAM_SENTIMENT_CONFIDENCE_FLOOR' }) floor: number;
  @ApiProperty({ enum: CUES, isArray: true, description: 'Chat-reading rules that changed the reading' })
  cues: string[];
}

@ApiTags('admin')
@ApiBearerAuth()
@Roles(Role.Developer)
@Controller('stream/admin/sentiment')
export class SentimentAdminController {
  constructor(@Inject(SENTIMENT_PROCESSOR) private readonly processor: SentimentProcessor) {}

  @Post('test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run the sentiment processor on a text (for tuning): the verdict and why; nothing is stored or logged' })
  @ApiOkResponse({ type: TestSentimentResponse })
  test(@Body() request: TestSentimentRequest): TestSentimentResponse {
    const verdict = this.processor.analyze(request.text, { emotes: request.emotes?.map((text) => ({ text })) });
    return {
      verdict: verdict.result ? 'sentiment' : 'no-sentiment',
      category: verdict.result?.category ?? null,
      intensity: verdict.result?.intensity ?? 0,
      reason: verdict.reason,
      candidate: verdict.candidate,
      confidence: verdict.confidence,
      floor: verdict.floor,
      cues: [...verdict.cues],
    };
  }
}
