/** What happens to sessions, as `@nestjs/event-emitter` events, for the features that keep per-session state. */
export const SessionEvents = {
  /**
   * Payload: {@link SessionEndedEvent}. The session was ended on this replica (record written, counters
   * retained), before `stream.session.ended` goes out; listeners are awaited (`emitAsync`).
   */
  ended: 'session.ended',
} as const;

export interface SessionEndedEvent {
  platformSessionId: string;
}
