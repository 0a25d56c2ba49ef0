package plasticity

import (
	"math"
	"os"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

// TestPaperTable2 trains the paper's Table 2 network (|V| = 1000, k = 500,
// T = 1, perceptron output rule, 10,000 random training images, 2 epochs,
// Mistakes) and checks the test accuracy against the paper's figures
// (SPEC §9): MNIST 85 % with random input weights, 93 % with A = 1;
// Fashion-MNIST 70 % and 81 %. One seed each; the bands allow for seed
// spread (we measured 82–86 % over seeds 1–3 on MNIST, 66–76 % on
// Fashion, see RESULTS.md) and for our A = 1 figures running lower than
// the paper's (87 % and 78 %).
func TestPaperTable2(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on MNIST and Fashion-MNIST; skipped with -short")
	}
	tests := []struct {
		name      string
		ones      bool
		paper, lo float64
	}{
		{"mnist", false, 0.85, 0.80},
		{"mnist", true, 0.93, 0.84},
		{"fashion", false, 0.70, 0.62},
		{"fashion", true, 0.81, 0.74},
	}
	for _, tc := range tests {
		if tc.name == "fashion" {
			if _, err := os.Stat("/usr/share/datasets/fashion-mnist"); err != nil && os.Getenv("EVOLVE_FASHION_DIR") == "" {
				t.Logf("fashion: Debian package dataset-fashion-mnist not installed; skipping (apt-get install dataset-fashion-mnist)")
				continue
			}
		}
		sp, err := dataset.Load(tc.name, &dataset.Options{Seed: 1, TrainSize: 10000})
		if err != nil {
			t.Fatal(err)
		}
		cfg := Config{Inputs: 784, Labels: 10, Nodes: 1000, Cap: 500, Rounds: 1, Epochs: 2, InputOnes: tc.ones, Seed: 1}
		net, err := New(cfg, seed.PCG(1, seed.Network, 0))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Train(net, Rules{Output: Perceptron(1)}, sp.Train, nil); err != nil {
			t.Fatal(err)
		}
		acc := Evaluate(net, sp.Test).Accuracy
		t.Logf("%s A=1:%v test accuracy %.4f (paper %.2f)", tc.name, tc.ones, acc, tc.paper)
		if acc < tc.lo || acc > math.Min(1, tc.paper+0.05) {
			t.Errorf("%s A=1:%v: test accuracy %.4f outside [%.2f, %.2f]", tc.name, tc.ones, acc, tc.lo, tc.paper+0.05)
		}
	}
}
