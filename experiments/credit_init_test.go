package experiments

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/plasticity/credit"
)

// TestCreditInitMatchesTrain: the census's initial loss and its first
// non-finite step are credit.Train's, seed by seed (the census claims to
// say which of credit-curvature's seeds diverge; this checks the claim
// against the trainer itself, independently of how either is written). At
// lr 3 on a synthetic set some seeds diverge and some do not, so both
// branches are compared.
func TestCreditInitMatchesTrain(t *testing.T) {
	t.Parallel()
	const lr = 3.0
	cfg := fmt.Sprintf(`dataset = "halfspace"
train_size = 400
test_size = 100
steps = 5
hidden = 12
batch = 20
lr = %g
rules = ["bptt", "truncated"]
sgd_steps = 15
measure = 50
`, lr)
	const n = 12
	env := &Env{Out: t.TempDir(), Seeds: n}
	rep, err := runCreditInit(env, []byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 5 {
		t.Errorf("%d rows, want 5", len(rep.Rows))
	}
	rows, err := output.ReadCSV(env.Path("init.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n+1 {
		t.Fatalf("init.csv has %d rows, want %d", len(rows), n+1)
	}
	split, err := dataset.Load("halfspace", &dataset.Options{TrainSize: 400, TestSize: 100, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[bool]int{}
	for s := 1; s <= n; s++ {
		row := rows[s]
		for i, rule := range []string{"bptt", "truncated"} {
			r, _ := credit.ParseRule(rule)
			var first []credit.Record
			_, _, err := credit.Train(split.Train, split.Test, &credit.Settings{
				Rule: r, Steps: 5, Hidden: 12, LR: lr, Batch: 20, Iterations: 15, Every: 100, Measure: 50, Lanczos: 4, Probes: -1, Seed: uint64(s),
			}, func(x credit.Record) { first = append(first, x) }, nil)
			want := 0
			switch {
			case err != nil && strings.HasPrefix(err.Error(), "credit: iteration 15: curvature:"):
				// every step's loss was finite; only the Hessian measured
				// after the last one was not
			case errors.Is(err, credit.ErrDiverged):
				// "loss not finite at iteration K"
				if _, e := fmt.Sscanf(err.Error()[len("credit: "+rule+": loss not finite at iteration "):], "%d", &want); e != nil {
					t.Fatalf("seed %d: cannot read the iteration from %q", s, err)
				}
			case err != nil:
				t.Fatal(err)
			}
			got, _ := strconv.Atoi(row[2+i])
			if got != want {
				t.Errorf("seed %d %s: census says diverged at %d, credit.Train at %d", s, rule, got, want)
			}
			seen[want > 0]++
			l0, _ := strconv.ParseFloat(row[1], 64)
			if d := l0 - first[0].TrainLoss; d > 1e-9*first[0].TrainLoss || d < -1e-9*first[0].TrainLoss {
				t.Errorf("seed %d: census initial loss %v, credit.Train's %v", s, l0, first[0].TrainLoss)
			}
		}
	}
	if seen[true] == 0 || seen[false] == 0 {
		t.Errorf("the case does not exercise both outcomes: %v (diverged: true)", seen)
	}
}
