// node-media-server 4.4.3 ships no typings; only what we use is declared.
declare module 'node-media-server' {
  import type { Socket } from 'node:net';

  export interface NmsSession {
    id: string;
    ip: string;
    streamApp: string;
    streamName: string;
    streamPath: string;
    socket: Socket;
    videoCodec: number;
    videoWidth: number;
    videoHeight: number;
    videoFramerate: number;
    videoDatarate: number;
    audioCodec: number;
    audioChannels: number;
    audioSamplerate: number;
    audioDatarate: number;
  }

  export interface NmsConfig {
    bind: string;
    rtmp: { port: number };
    http: Record<string, never>;
    store: { path: string };
  }

  export default class NodeMediaServer {
    constructor(config: NmsConfig);
    on(event: 'prePublish' | 'postPublish' | 'donePublish' | 'prePlay' | 'postPlay' | 'donePlay', listener: (session: NmsSession) => void): void;
    run(): Promise<void>;
    stop(): Promise<void>;
  }
}

declare module 'node-media-server/src/core/context.js' {
  import type { NmsSession } from 'node-media-server';

  interface NmsBroadcast {
    publishGraceMs: number;
    publisher: NmsSession | null;
    subscribers: Map<string, NmsSession>;
  }

  const Context: { broadcasts: Map<string, NmsBroadcast> };
  export default Context;
}

declare module 'node-media-server/src/core/logger.js' {
  const logger: { level: string; log(message: string, level?: string): void };
  export default logger;
}
