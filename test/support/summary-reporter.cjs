// Prints one plain closing line, "N passed, N failed[, N skipped]", that CI tools read in any language.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    console.log(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
  }
}
module.exports = SummaryReporter;
