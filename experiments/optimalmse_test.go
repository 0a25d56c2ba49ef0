package experiments

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
)

// skipWithoutMNIST skips a test when the MNIST files cannot be found.
func skipWithoutMNIST(t *testing.T) {
	t.Helper()
	if _, err := dataset.DefaultDir("mnist"); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
}

func TestOptimalMSEQuick(t *testing.T) {
	skipWithoutMNIST(t)
	t.Parallel()
	rep, out := runQuick(t, "optimal-mse")
	for _, f := range []string{"accuracy.csv", "curves.csv", "optimal-rules.csv", "summary.csv", "optimal-mse.png", "optimal-mse.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	// 3 methods and 2 MSE rows for the one input variant of the quick size.
	if len(rep.Rows) != 5 {
		t.Fatalf("%d rows, want 5", len(rep.Rows))
	}
	opt, perc := rep.Rows[3].Ours.Mean, rep.Rows[4].Ours.Mean
	if !(opt <= perc*(1+1e-9)) {
		t.Errorf("optimal MSE %v above the perceptron's best-scale MSE %v", opt, perc)
	}
	for _, r := range rep.Rows[:3] {
		// 10 labels: chance is 10 %; even the quick size learns.
		if r.Ours.Mean < 0.3 {
			t.Errorf("%s = %v, want well above chance", r.Quantity, r.Ours.Mean)
		}
	}
}
