import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

import { Role } from '@lib-stream/contracts';
import { SentimentCategory } from '@lib-stream/privacy';

import { Roles } from '../auth/roles.decorator';
import { SENTIMENT_PROCESSOR, type SentimentProcessor } from './sentiment-processor';

export class TestSentimentRequest {
  @ApiProperty({ example: 'PogChamp LETS GOOO' })
  @MaxLength(2000)
  @IsNotEmpty()
  @IsString()
  text: string;
}

export class TestSentimentResponse {
  @ApiProperty({ enum: SentimentCategory }) category: SentimentCategory;
  @ApiProperty({ minimum: 0, maximum: 1 }) intensity: number;
}

@ApiTags('admin')
@ApiBearerAuth()
@Roles(Role.Developer)
@Controller('stream/admin/sentiment')
export class SentimentAdminController {
  constructor(@Inject(SENTIMENT_PROCESSOR) private readonly processor: SentimentProcessor) {}

  @Post('test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run the sentiment processor on a text (for tuning); nothing is stored or logged' })
  @ApiOkResponse({ type: TestSentimentResponse })
  test(@Body() request: TestSentimentRequest): TestSentimentResponse {
    const { category, intensity } = this.processor.analyzeText(request.text);
    return { category, intensity };
  }
}
