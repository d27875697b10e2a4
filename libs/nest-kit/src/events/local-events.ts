import { Global, Injectable, Module, type OnModuleInit, SetMetadata } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner } from '@nestjs/core';

/**
 * An in-process event: a name, the payload its handlers get and what each handler returns. Made with
 * {@link localEvent} by the feature that emits it, so the emitter never knows who listens.
 */
export interface LocalEvent<Payload, Result = void> {
  readonly name: string;
  /** Type carriers only: never set. */
  readonly __payload?: Payload;
  readonly __result?: Result;
}

/** Declares an in-process event; `name` must be unique in the app (e.g. `link.removing`). */
export function localEvent<Payload, Result = void>(name: string): LocalEvent<Payload, Result> {
  return { name };
}

const HANDLES = Symbol('lib-stream:local-event');

/**
 * Marks a provider's method as a handler of `event`. The method gets the payload and its promise is
 * awaited by {@link LocalEvents.emit}; a handler that throws fails the emit (the emitter's caller
 * sees the error), as a direct call would.
 */
export function OnLocalEvent<Payload, Result>(event: LocalEvent<Payload, Result>) {
  return (target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<(payload: Payload) => Promise<Result>>): void => {
    const events = (Reflect.getMetadata(HANDLES, descriptor.value as object) as string[] | undefined) ?? [];
    SetMetadata(HANDLES, [...events, event.name])(target, key, descriptor);
  };
}

type Handler = (payload: unknown) => Promise<unknown>;

/**
 * In-process events between control-api's features (a link removed, a session ended): the emitting
 * feature declares the event, the listening ones mark a method with {@link OnLocalEvent}, and
 * neither module imports the other. The same shape as `@nestjs/event-emitter`'s `emitAsync` and
 * `@OnEvent`, kept in house because that package is not a dependency of this workspace; unlike it,
 * handlers run one after another in discovery order and their errors reach the emitter.
 */
@Injectable()
export class LocalEvents implements OnModuleInit {
  private readonly handlers = new Map<string, Handler[]>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  /** Every provider instance exists before the first onModuleInit, so every handler is found here. */
  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      for (const method of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
        const fn = instance[method];
        if (typeof fn !== 'function') continue;
        const events = (Reflect.getMetadata(HANDLES, fn) as string[] | undefined) ?? [];
        for (const name of events) this.on(name, (payload) => (fn as Handler).call(instance, payload));
      }
    }
  }

  /** Runs every handler of `event` in turn; resolves to their results, in the same order. */
  async emit<Payload, Result>(event: LocalEvent<Payload, Result>, payload: Payload): Promise<Result[]> {
    const results: Result[] = [];
    for (const handler of this.handlers.get(event.name) ?? []) results.push((await handler(payload)) as Result);
    return results;
  }

  private on(name: string, handler: Handler): void {
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), handler]);
  }
}

/** Provides {@link LocalEvents} to every module of the app that imports this once. */
@Global()
@Module({ imports: [DiscoveryModule], providers: [LocalEvents], exports: [LocalEvents] })
export class LocalEventsModule {}
