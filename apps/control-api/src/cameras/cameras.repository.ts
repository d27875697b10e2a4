import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';

import { CameraEntity } from './camera.entity';

/** Camera records in the database; each write is one statement, so it commits whole or not at all. */
@Injectable()
export class CamerasRepository {
  private readonly cameras: Repository<CameraEntity>;

  constructor(dataSource: DataSource) {
    this.cameras = dataSource.getRepository(CameraEntity);
  }

  findById(id: string): Promise<CameraEntity | null> {
    return this.cameras.findOneBy({ id });
  }

  findAll(): Promise<CameraEntity[]> {
    return this.cameras.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Only what the allow-list needs. */
  async keyHashes(): Promise<{ id: string; keyHash: string }[]> {
    return this.cameras.find({ select: { id: true, keyHash: true } });
  }

  async insert(camera: CameraEntity): Promise<void> {
    await this.cameras.insert(camera);
  }

  /** Swaps the key only if it is still the one read before, so two resets cannot both win. */
  async replaceKey(id: string, oldKeyHash: string, newKeyHash: string, at: Date): Promise<boolean> {
    const result = await this.cameras.update({ id, keyHash: oldKeyHash }, { keyHash: newKeyHash, keyResetAt: at });
    return (result.affected ?? 0) > 0;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.cameras.delete({ id });
    return (result.affected ?? 0) > 0;
  }
}
