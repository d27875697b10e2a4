// Integration and e2e specs (jest.int.preset.js setupFiles): an ioredis command that fails carries the
// stack of the code that sent it (ioredis's showFriendlyErrorStack), not only ioredis's own frames. A
// rejection nobody handled ("Test suite failed to run: Connection is closed.", seen once in CI after
// every test of a suite had passed) then names its sender. Costs an Error per command: tests only.
import Redis from 'ioredis';

(Redis as unknown as { defaultOptions: { showFriendlyErrorStack: boolean } }).defaultOptions.showFriendlyErrorStack = true;
