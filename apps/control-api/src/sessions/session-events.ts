import { localEvent } from '@lib-stream/nest-kit';

/** What happens to sessions, for the features that keep per-session state (the audience's tracked viewers). */
export const SessionEvents = {
  /** The session was ended on this replica (record written, counters retained), before `stream.session.ended` goes out. */
  ended: localEvent<{ platformSessionId: string }>('session.ended'),
};
