import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// Keeps the README's "Redis key families" table true: every `stream:<family>` (and
// `stream:lock:<name>`) a source file of an app or lib writes as a literal is listed there, and the
// table lists nothing the code no longer uses.
const ROOT = join(__dirname, '../../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Families named in string or template literals: `stream:cam-key:${hash}` → `stream:cam-key`. */
function familiesInCode(): Set<string> {
  const families = new Set<string>();
  for (const top of ['apps', 'libs']) {
    for (const project of readdirSync(join(ROOT, top))) {
      for (const file of sourceFiles(join(ROOT, top, project, 'src'))) {
        for (const match of readFileSync(file, 'utf8').matchAll(/['`]stream:(lock:[a-z][a-z-]*|[a-z][a-z-]*)/g)) families.add(`stream:${match[1]}`);
      }
    }
  }
  // A lock helper's own prefix (`stream:lock:${name}`), not a family.
  families.delete('stream:lock');
  return families;
}

/** The first column of the README table under "### Redis key families". */
function familiesInReadme(): Set<string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('### Redis key families')[1]?.split(/\n#{2,3} /)[0] ?? '';
  const families = new Set<string>();
  for (const row of section.split('\n').filter((line) => line.startsWith('| `'))) {
    for (const match of row.split('|')[1].matchAll(/`(stream:[a-z:-]+)`/g)) families.add(match[1]);
  }
  return families;
}

describe('README: Redis key families', () => {
  it('lists exactly the key families the apps and libs use', () => {
    const code = familiesInCode();
    const readme = familiesInReadme();
    expect(code.size).toBeGreaterThan(30);
    expect({ missingFromReadme: [...code].filter((f) => !readme.has(f)).sort(), notInCode: [...readme].filter((f) => !code.has(f)).sort() }).toEqual({ missingFromReadme: [], notInCode: [] });
  });
});
