/** Every published event carries a unique id and the time it happened. */
export interface BaseEvent {
  eventId: string;
  /** ISO-8601 */
  timestamp: string;
}
