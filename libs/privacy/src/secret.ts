import { inspect } from 'node:util';

const MASK = '****';

/**
 * Holds a secret value (OAuth token, stream key, client secret) so that it cannot reach a log line,
 * a JSON body or an error message by accident: every implicit conversion prints `****`.
 * Code that really needs the value calls `reveal()`, which is easy to grep for.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  isEmpty(): boolean {
    return this.#value.length === 0;
  }

  toString(): string {
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return `Secret(${MASK})`;
  }
}
