import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';

import { LocalEvents, LocalEventsModule, OnLocalEvent, localEvent } from './local-events';

const removed = localEvent<{ id: string }, string>('test.removed');
const untouched = localEvent<string>('test.untouched');

@Injectable()
class First {
  readonly seen: string[] = [];

  @OnLocalEvent(removed)
  onRemoved({ id }: { id: string }): Promise<string> {
    this.seen.push(id);
    return Promise.resolve(`first:${id}`);
  }
}

@Injectable()
class Failing {
  @OnLocalEvent(removed)
  onRemoved({ id }: { id: string }): Promise<string> {
    return id === 'bad' ? Promise.reject(new Error('refused')) : Promise.resolve(`failing:${id}`);
  }
}

async function events(): Promise<{ events: LocalEvents; first: First }> {
  const moduleRef = await Test.createTestingModule({ imports: [LocalEventsModule], providers: [First, Failing] }).compile();
  await moduleRef.init();
  return { events: moduleRef.get(LocalEvents), first: moduleRef.get(First) };
}

describe('LocalEvents', () => {
  it('runs every marked handler of the event with its payload and returns their results in order', async () => {
    const { events: bus, first } = await events();
    expect(await bus.emit(removed, { id: 'a' })).toEqual(['first:a', 'failing:a']);
    expect(first.seen).toEqual(['a']);
  });

  it('answers no results for an event nobody handles', async () => {
    const { events: bus } = await events();
    expect(await bus.emit(untouched, 'x')).toEqual([]);
  });

  it("rejects with a handler's error, as a direct call would", async () => {
    const { events: bus } = await events();
    await expect(bus.emit(removed, { id: 'bad' })).rejects.toThrow('refused');
  });
});
