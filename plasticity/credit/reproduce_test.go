package credit

import (
	"math"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
)

// The reproduction check of SPEC §11 at a size a test can afford: row-wise
// sequential MNIST (28 steps of 28 pixels), N = 32, batch 64, SGD with
// η = 0.01 (2/η = 200), as the independent reduced replication, but 2000
// iterations of the truncated rule instead of 9000 and 3 seeds. At matched
// training loss (the larger of the two final losses, at the first record
// where each run reaches it) the truncated rule's λ_top of the W_rec block
// must exceed BPTT's in at least 2 of 3 seeds (that replication measured
// a ratio of 2.2–4.1). BPTT is gradient descent and cannot stay where
// λ_top > 2/η; the truncated rule follows another vector field and can.
// BPTT runs until it reaches the truncated rule's final loss (≈1.9–2.1
// at 2000 iterations), which takes it 250–1000 iterations. Measured:
// ratios 2.24, 2.78 and 0.10 in seeds 1–3 (4.01, 6.12 and 0.12
// interpolated in the loss, Interp); 17 CPU-s in all. Seed 3 is the
// truncated rule on its plateau near chance (it learns, and sharpens past
// BPTT, only after about 3000 iterations: the credit-curvature run at
// 9000 iterations gives 6.8 in that seed and is sharper in 6 of 6 seeds;
// REPRODUCTION.md), so at 2000 iterations the check compares two networks
// that have barely started learning in that seed.
func TestTruncatedSharperAtMatchedLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("sequential MNIST, 3 seeds × about 2800 SGD iterations (≈17 CPU-s)")
	}
	t.Parallel()
	sp, err := dataset.Load("mnist", &dataset.Options{Seed: 1, TrainSize: 10000, TestSize: 256})
	if err != nil {
		t.Skip(err)
	}
	wins := 0
	for s := uint64(1); s <= 3; s++ {
		set := Settings{Hidden: 32, Batch: 64, LR: 0.01, Measure: 256, Lanczos: 20, Probes: -1, Seed: s}
		tr := set
		tr.Rule, tr.Iterations, tr.Every = Rule{Kind: Truncated}, 2000, 500
		_, trunc, err := Train(sp.Train, sp.Test, &tr, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		// BPTT stops at the first record at or below the truncated
		// rule's final loss (it gets there within 1000 iterations).
		target := trunc[len(trunc)-1].TrainLoss
		bp := set
		bp.Rule, bp.Iterations, bp.Every = Rule{Kind: BPTT}, 2000, 250
		last := math.Inf(1)
		_, bptt, err := Train(sp.Train, sp.Test, &bp, func(r Record) { last = r.TrainLoss }, func() bool { return last <= target })
		if err != nil {
			t.Fatal(err)
		}
		runs := [2][]Record{bptt, trunc}
		target = MatchedLoss(runs[0], runs[1])
		rb, ok1 := AtLoss(runs[0], target)
		rt, ok2 := AtLoss(runs[1], target)
		if !ok1 || !ok2 {
			t.Fatalf("seed %d: matched loss %v not reached", s, target)
		}
		ib, lb, _ := Interp(runs[0], target)
		it, lt, _ := Interp(runs[1], target)
		t.Logf("seed %d: matched loss %.3f: bptt λ_top %.1f (it %d), truncated %.1f (it %d), ratio %.2f; interpolated in the loss: bptt %.1f (it %.0f), truncated %.1f (it %.0f), ratio %.2f; 2/η = 200",
			s, target, rb.LambdaTop, rb.Iter, rt.LambdaTop, rt.Iter, rt.LambdaTop/rb.LambdaTop, lb, ib, lt, it, lt/lb)
		if rt.LambdaTop > rb.LambdaTop {
			wins++
		}
	}
	if wins < 2 {
		t.Errorf("truncated sharper than bptt at matched loss in %d of 3 seeds, want at least 2", wins)
	}
}
