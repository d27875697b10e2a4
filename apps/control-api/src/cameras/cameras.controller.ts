import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { Role } from '@lib-stream/contracts';

import { Roles } from '../auth/roles.decorator';
import { CamerasService } from './cameras.service';
import {
  CameraCredentialsResponse,
  CameraDetail,
  CameraIdRequest,
  CreateCameraRequest,
  DeleteCameraResponse,
  ListCamerasResponse,
} from './dto/camera.dto';

@ApiTags('camera')
@ApiBearerAuth()
@Roles(Role.Admin)
@Controller('stream/camera')
export class CamerasController {
  constructor(private readonly cameras: CamerasService) {}

  @Post('create')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create a camera: returns its ingest URL and stream key (the key is shown only here)' })
  @ApiOkResponse({ type: CameraCredentialsResponse })
  create(@Body() request: CreateCameraRequest): Promise<CameraCredentialsResponse> {
    return this.cameras.create(request);
  }

  @Post('reset-key')
  @HttpCode(200)
  @ApiOperation({ summary: 'Issue a new stream key; the old one stops working and a publisher using it is cut' })
  @ApiOkResponse({ type: CameraCredentialsResponse })
  resetKey(@Body() request: CameraIdRequest): Promise<CameraCredentialsResponse> {
    return this.cameras.resetKey(request.cameraId);
  }

  @Post('delete')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete a camera; its key stops working and a live publisher is cut' })
  @ApiOkResponse({ type: DeleteCameraResponse })
  async delete(@Body() request: CameraIdRequest): Promise<DeleteCameraResponse> {
    await this.cameras.delete(request.cameraId);
    return { cameraId: request.cameraId, deleted: true };
  }

  @Post('list')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cameras with live/offline state, metadata and the worker holding each (keys masked)' })
  @ApiOkResponse({ type: ListCamerasResponse })
  list(): Promise<ListCamerasResponse> {
    return this.cameras.list();
  }

  @Post('status')
  @HttpCode(200)
  @ApiOperation({ summary: 'One camera: live/offline, since when, metadata, worker' })
  @ApiOkResponse({ type: CameraDetail })
  status(@Body() request: CameraIdRequest): Promise<CameraDetail> {
    return this.cameras.status(request.cameraId);
  }
}
