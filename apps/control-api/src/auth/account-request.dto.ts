import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Base of every request that acts on one account; the guard checks it is the caller's own. */
export class AccountRequest {
  @ApiProperty({ description: 'Game account id; must be the caller’s own (the token’s `sub`)', example: '7c0e…', minLength: 1, maxLength: 64 })
  @MaxLength(64)
  @IsNotEmpty()
  @IsString()
  accountId: string;
}
