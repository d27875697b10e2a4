// node-media-server 4.4.3 ships no typings; only what nms-adapter.ts (the one file using it in production) and the specs' throwaway servers use is declared.
declare module 'node-media-server' {
  import type { Socket } from 'node:net';

  export interface NmsSession {
    id: string;
    ip: string;
    streamApp: string;
    streamName: string;
    streamPath: string;
    streamQuery?: Record<string, string | string[] | undefined>;
    socket: Socket;
    videoCodec: number | string;
    videoWidth: number;
    videoHeight: number;
    videoFramerate: number;
    videoDatarate: number;
    audioCodec: number | string;
    audioChannels: number;
    audioSamplerate: number;
    audioDatarate: number;
  }

  export interface NmsConfig {
    bind: string;
    rtmp: { port: number };
    http: Record<string, never>;
    webadmin?: { enable: boolean };
    /** Tests' throwaway servers only: the ingest never opens NMS's store (see nms-adapter.ts). */
    store?: { path: string };
  }

  export default class NodeMediaServer {
    constructor(config: NmsConfig);
    /** `tcpServer`: the RTMP listener (absent without `rtmp.port`), created in the constructor. */
    rtmpServer: { run(): void; stop(): void; tcpServer?: import('node:net').Server };
    on(event: 'prePublish' | 'postPublish' | 'donePublish' | 'prePlay' | 'postPlay' | 'donePlay', listener: (session: NmsSession) => void): void;
    run(): Promise<void>;
    stop(): Promise<void>;
  }
}

declare module 'node-media-server/src/core/context.js' {
  import type { NmsSession } from 'node-media-server';

  interface NmsBroadcast {
    streamPath: string;
    publishGraceMs: number;
    publisher: NmsSession | null;
    subscribers: Map<string, NmsSession>;
    /** What a new reader is sent first (the last publisher's metadata, sequence headers and GOP). */
    flvMetaData: Buffer | null;
    flvAudioHeader: Buffer | null;
    flvVideoHeader: Buffer | null;
    rtmpMetaData: Buffer | null;
    rtmpAudioHeader: Buffer | null;
    rtmpVideoHeader: Buffer | null;
    flvGopCache: Set<Buffer> | null;
    rtmpGopCache: Set<Buffer> | null;
  }

  const Context: { broadcasts: Map<string, NmsBroadcast> };
  export default Context;
}

declare module 'node-media-server/src/core/logger.js' {
  const logger: { level: string; log(message: string, level?: string): void };
  export default logger;
}

declare module 'node-media-server/src/core/rate_sampler.js' {
  export const rateSampler: { stop(): void };
}
