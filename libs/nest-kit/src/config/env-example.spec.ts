import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { SETTING_NAMES, settingSpec } from './settings';

// .env.example is the operator's reference: it must list every variable the code reads, with the real default.
describe('.env.example', () => {
  const lines = readFileSync(resolve(__dirname, '../../../../.env.example'), 'utf8').split('\n');
  // Assignments are commented out (`#NAME=default`) so that `cp .env.example .env` changes nothing.
  const assignments = new Map(
    lines.filter((line) => /^#[A-Z_]+=/.test(line)).map((line) => [line.slice(1, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

  it('sets nothing: every non-empty line is a comment', () => {
    expect(lines.filter((line) => line.trim() !== '' && !line.startsWith('#'))).toEqual([]);
  });

  it('lists every setting with its default value', () => {
    for (const name of SETTING_NAMES) {
      expect({ name, value: assignments.get(name) }).toEqual({ name, value: String(settingSpec(name).default) });
    }
  });

  it('lists nothing the code does not read', () => {
    expect([...assignments.keys()].filter((name) => !SETTING_NAMES.includes(name as never))).toEqual([]);
  });

  it('explains every variable in a comment above it', () => {
    lines.forEach((line, index) => {
      if (/^#[A-Z_]+=/.test(line)) expect({ line, comment: lines[index - 1].startsWith('# ') }).toEqual({ line, comment: true });
    });
  });
});
