import { randomUUID } from 'node:crypto';
import request from 'supertest';

import { type TestDatabase, bearerToken, createTestDatabase, requestIdOf } from '@lib-stream/testing';

import { type ControlApiUnderTest, createControlApi } from './control-api.factory';

/** Hostile or odd JSON shapes must get a clear 4xx before any handler runs, never a 500. */
describe('control-api request bodies of any shape', () => {
  let db: TestDatabase;
  let sut: ControlApiUnderTest;
  const admin = bearerToken('ops-bodies', ['admin']);
  const postRaw = (path: string, raw: string) =>
    request(sut.app.getHttpServer()).post(path).set('Authorization', admin).set('Content-Type', 'application/json').send(raw);
  const cameraNames = async (): Promise<string[]> => {
    const list = await request(sut.app.getHttpServer()).post('/stream/camera/list').set('Authorization', admin).send({}).expect(200);
    return list.body.cameras.map((camera: { name: string }) => camera.name);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    sut = await createControlApi({ STREAM_DATABASE_URL: db.url });
  });

  afterAll(async () => {
    await sut?.app.close();
    await db?.drop();
  });

  it.each([2_000, 100_000])('answers 400 to JSON nested %i levels deep and creates nothing', async (depth) => {
    const name = `deep-${randomUUID()}`;
    const raw = `{"name":"${name}","expectedWidth":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const response = await postRaw('/stream/camera/create', raw).expect(400);
    expect(response.body).toEqual({ statusCode: 400, code: 'INVALID_JSON', message: 'JSON nesting deeper than 64 levels', correlationId: requestIdOf(response) });
    expect(await cameraNames()).not.toContain(name);
  });

  it('still accepts ordinary nesting', async () => {
    const name = `shallow-${randomUUID()}`;
    await postRaw('/stream/camera/create', JSON.stringify({ name })).expect(200);
    expect(await cameraNames()).toContain(name);
  });

  const marker = `top-level-${randomUUID()}`;
  it.each(['[]', `[{"name":"${marker}"}]`, `[[{"name":"${marker}"}]]`, '42', `"${marker}"`, 'null', 'true'])(
    'answers 4xx, not 500, to the top-level body %s and creates nothing',
    async (raw) => {
      const response = await postRaw('/stream/camera/create', raw);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.body).toEqual({ statusCode: response.status, code: expect.any(String), message: expect.any(String), correlationId: requestIdOf(response) });
      expect(await cameraNames()).not.toContain(marker);
    },
  );
});
