// Writes each jest run's counts to tmp/test-results/<displayName>.json (control-api, control-api:int…)
// so scripts/test.sh can print one closing "N passed, N failed" line for the whole workspace.
const { mkdirSync, writeFileSync } = require('fs');
const { basename, join } = require('path');

class SummaryReporter {
  constructor(globalConfig) {
    this.globalConfig = globalConfig;
  }

  onRunComplete(contexts, results) {
    const dir = join(__dirname, '..', 'tmp', 'test-results');
    mkdirSync(dir, { recursive: true });
    const displayName = [...contexts][0]?.config.displayName;
    const name = (typeof displayName === 'string' ? displayName : displayName?.name) ?? basename(this.globalConfig.rootDir);
    const summary = {
      project: name,
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    writeFileSync(join(dir, `${name.replace(/[^\w.-]/g, '-')}.json`), JSON.stringify(summary));
  }
}

module.exports = SummaryReporter;
