/** Every published event carries a unique id and the time it happened. */
export interface BaseEvent {
  eventId: string;
  /** ISO-8601 */
  timestamp: string;
  /**
   * The correlation id of the HTTP request or queued job that caused the event, when there was one
   * (absent for what timers and watchers raise on their own); the same id is on its log lines.
   */
  correlationId?: string;
}
