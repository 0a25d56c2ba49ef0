package experiments

import (
	"os"
	"testing"

	"github.com/evolve-toolkit/evolve/internal/output"
)

// A tiny credit-curvature run on a synthetic set (10 dimensions read as 5
// steps of 2) writes its tables and figure, one record per measurement.
func TestCreditCurvatureTiny(t *testing.T) {
	t.Parallel()
	cfg := `dataset = "halfspace"
train_size = 200
test_size = 100
steps = 5
hidden = 6
batch = 20
lr = 0.05
rules = ["bptt", "truncated", "rflo"]
iterations = 40
bptt_iterations = 30
every = 10
measure = 50
lanczos = 10
probes = 4
remedy_lrs = [0.02]
`
	env := &Env{Out: t.TempDir(), Seeds: 3}
	rep, err := runCreditCurvature(env, []byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := output.ReadCSV(env.Path("records.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// per seed: bptt 4 records (0,10,20,30), truncated, rflo and the remedy 5 each (0..40)
	if want := 1 + 3*(4+5+5+5); len(rows) != want {
		t.Errorf("records.csv has %d rows, want %d", len(rows), want)
	}
	for _, f := range []string{"matched.csv", "credit-curvature.png", "credit-curvature.svg"} {
		if _, err := os.Stat(env.Path(f)); err != nil {
			t.Error(err)
		}
	}
	if len(rep.Rows) == 0 {
		t.Error("empty report")
	}
}
