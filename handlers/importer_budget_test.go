package handlers

import "testing"

// ImportBudgets are the import budgets a test may lower, to be refused
// with small inputs; 0 keeps the real one.
type ImportBudgets struct {
	Files      int   // entries of an archive
	Total      int64 // bytes unpacked from an archive
	CSVRecords int   // records of a CSV file
}

// LowerImportBudgets sets the import budgets of b until the test ends
// (handler tests do not run in parallel).
func LowerImportBudgets(t testing.TB, b ImportBudgets) {
	old := importBudgets
	t.Cleanup(func() { importBudgets = old })
	if b.Files > 0 {
		importBudgets.archive.Files = b.Files
	}
	if b.Total > 0 {
		importBudgets.archive.Total = b.Total
	}
	if b.CSVRecords > 0 {
		importBudgets.csv.Records = b.CSVRecords
	}
}
