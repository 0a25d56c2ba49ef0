package experiments

import (
	"math"
	"testing"

	"github.com/evolve-toolkit/evolve/sim"
)

// TestEvoMetaCell: generations to 95 % of adam's final accuracy is the
// first tested generation at or above the threshold, with its cost; a run
// that never reaches it gets NaN. Numbers made up for the test: adam ends
// at 0.8, so the threshold is 0.76.
func TestEvoMetaCell(t *testing.T) {
	nan := math.NaN()
	obs := func(g int, run string, acc, cost float64) sim.Observation {
		return sim.Observation{Generation: g, Run: run, TestAccuracy: acc, Cost: cost}
	}
	res := &sim.Result{Runs: []string{"wright-fisher", "exact", "adam"}, Kinds: []string{"evolution", "evolution", "gradient"},
		Observations: []sim.Observation{
			obs(0, "wright-fisher", 0.5, 0), obs(0, "exact", 0.5, 0), obs(0, "adam", 0.5, 0),
			obs(1, "wright-fisher", nan, 10), obs(1, "exact", 0.6, 20), obs(1, "adam", 0.7, 1),
			obs(2, "wright-fisher", 0.77, 20), obs(2, "exact", 0.7, 40), obs(2, "adam", 0.8, 2),
		}}
	v, err := evoMetaCell(res, nil, nil, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.77, nan, 2, 20, 20, 0.7, nan, nan, nan, 40, 0.8, nan, 2, 2, 2}
	if len(v) != len(want) {
		t.Fatalf("%d values, want %d", len(v), len(want))
	}
	for i := range want {
		if !(v[i] == want[i] || math.IsNaN(v[i]) && math.IsNaN(want[i])) {
			t.Errorf("value %d = %v, want %v (all: %v)", i, v[i], want[i], v)
		}
	}
}
