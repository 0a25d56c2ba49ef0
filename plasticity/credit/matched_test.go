package credit

import "testing"

// AtLoss and Interp on hand-worked records: losses 2.0, 1.5, 1.0 at
// iterations 0, 250, 500 with λ_top 10, 50, 100. Target 1.25 lies half-way
// between the second and third records, so Interp gives iteration 375 and
// λ_top 75, AtLoss the third record; a target above the first loss gives
// the first record; a target on a record gives that record; a target
// below every loss is not reached.
func TestMatched(t *testing.T) {
	t.Parallel()
	recs := []Record{{Iter: 0, TrainLoss: 2, LambdaTop: 10}, {Iter: 250, TrainLoss: 1.5, LambdaTop: 50}, {Iter: 500, TrainLoss: 1, LambdaTop: 100}}
	for _, c := range []struct {
		target, iter, lam float64
		atIter            int
		ok                bool
	}{
		{1.25, 375, 75, 500, true},
		{2.5, 0, 10, 0, true},
		{1.5, 250, 50, 250, true},
		{0.5, 0, 0, 0, false},
	} {
		it, lam, ok := Interp(recs, c.target)
		r, ok2 := AtLoss(recs, c.target)
		if ok != c.ok || ok2 != c.ok {
			t.Errorf("target %v: reached %v, %v; want %v", c.target, ok, ok2, c.ok)
			continue
		}
		if !ok {
			continue
		}
		if it != c.iter || lam != c.lam {
			t.Errorf("Interp(%v) = %v, %v; want %v, %v", c.target, it, lam, c.iter, c.lam)
		}
		if r.Iter != c.atIter {
			t.Errorf("AtLoss(%v) = iteration %d, want %d", c.target, r.Iter, c.atIter)
		}
	}
	if got := MatchedLoss(recs, recs[:2]); got != 1.5 {
		t.Errorf("MatchedLoss = %v, want the larger final loss 1.5", got)
	}
	// A run whose last record is a spike (loss 1.8 after a low of 1.2):
	// the lowest loss both reached is max(1.2, 1.0) = 1.2, the larger
	// final loss 1.8.
	spike := []Record{{Iter: 0, TrainLoss: 2, LambdaTop: 10}, {Iter: 250, TrainLoss: 1.2, LambdaTop: 30}, {Iter: 500, TrainLoss: 1.8, LambdaTop: 90}}
	if got := LowestCommonLoss(spike, recs); got != 1.2 {
		t.Errorf("LowestCommonLoss = %v, want 1.2", got)
	}
	if got := MatchedLoss(spike, recs); got != 1.8 {
		t.Errorf("MatchedLoss = %v, want 1.8", got)
	}
	// LateMedian over the last half of 0..500: records at 250 and 500,
	// median (50 + 100)/2; over the last 10 %: the last record alone.
	if got := LateMedian(recs, 0.5); got != 75 {
		t.Errorf("LateMedian(0.5) = %v, want 75", got)
	}
	if got := LateMedian(recs, 0.1); got != 100 {
		t.Errorf("LateMedian(0.1) = %v, want 100", got)
	}
}
