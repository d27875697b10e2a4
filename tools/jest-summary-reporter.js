// Writes each jest run's counts to tmp/test-results/<project>.<pid>.json, one file per project in
// the run (a run may hold several: the unit run holds them all) and per jest process (shards, and
// runs of one project's specs split by path, each write their own), so scripts/test.sh
// can print per-project counts and one closing "N passed, N failed" line for the whole workspace.
const { mkdirSync, writeFileSync } = require('fs');
const { basename, join } = require('path');

const nameOf = (displayName) => (typeof displayName === 'string' ? displayName : displayName?.name);

class SummaryReporter {
  constructor(globalConfig) {
    this.globalConfig = globalConfig;
  }

  onRunComplete(contexts, results) {
    const dir = join(__dirname, '..', 'tmp', 'test-results');
    mkdirSync(dir, { recursive: true });
    const fallback = nameOf([...contexts][0]?.config.displayName) ?? basename(this.globalConfig.rootDir);
    const byProject = new Map();
    for (const file of results.testResults) {
      const name = nameOf(file.displayName) ?? fallback;
      const counts = byProject.get(name) ?? { project: name, passed: 0, failed: 0, skipped: 0 };
      counts.passed += file.numPassingTests;
      // A file that could not run (syntax error, a throw outside any test) counts as one failure.
      counts.failed += file.numFailingTests + (file.testExecError ? 1 : 0);
      counts.skipped += file.numPendingTests + file.numTodoTests;
      byProject.set(name, counts);
    }
    if (byProject.size === 0) byProject.set(fallback, { project: fallback, passed: 0, failed: results.numRuntimeErrorTestSuites, skipped: 0 });
    for (const counts of byProject.values()) {
      writeFileSync(join(dir, `${counts.project.replace(/[^\w.-]/g, '-')}.${process.pid}.json`), JSON.stringify(counts));
    }
  }
}

module.exports = SummaryReporter;
