package credit

import (
	"math"
	"slices"
)

// AtLoss returns the record of recs at which the training loss first falls
// to target or below, and false if it never does.
func AtLoss(recs []Record, target float64) (Record, bool) {
	for _, r := range recs {
		if r.TrainLoss <= target {
			return r, true
		}
	}
	return Record{}, false
}

// MatchedLoss returns the training loss at which two runs are compared:
// the larger of their final training losses, a loss both reached.
func MatchedLoss(a, b []Record) float64 {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN()
	}
	return math.Max(a[len(a)-1].TrainLoss, b[len(b)-1].TrainLoss)
}

// Interp returns the iteration and λ_top at which the training loss of
// recs first falls to target, interpolated linearly in the training loss
// between the last record above target and the first at or below it
// (the first record itself if it is already at or below). It returns false
// if the loss never reaches target. Records are made every Settings.Every
// iterations, so AtLoss can overshoot the target by up to one interval of
// training; Interp does not (to the accuracy of a linear interpolation).
func Interp(recs []Record, target float64) (iter, lambdaTop float64, ok bool) {
	for i, r := range recs {
		if r.TrainLoss > target {
			continue
		}
		if i == 0 {
			return float64(r.Iter), r.LambdaTop, true
		}
		p := recs[i-1]
		w := (p.TrainLoss - target) / (p.TrainLoss - r.TrainLoss)
		return float64(p.Iter) + w*float64(r.Iter-p.Iter), p.LambdaTop + w*(r.LambdaTop-p.LambdaTop), true
	}
	return 0, 0, false
}

// LowestCommonLoss returns the lowest training loss both runs reached:
// the larger of their minimum training losses. Unlike MatchedLoss it does
// not depend on where the last record falls, which matters for SGD at the
// edge of stability, whose loss spikes (a last record on a spike would
// move the comparison back to an earlier, higher loss).
func LowestCommonLoss(a, b []Record) float64 {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN()
	}
	lowest := func(rs []Record) float64 {
		m := math.Inf(1)
		for _, r := range rs {
			m = math.Min(m, r.TrainLoss)
		}
		return m
	}
	return math.Max(lowest(a), lowest(b))
}

// LateMedian returns the median λ_top of the records from iteration
// (1 − frac)·last on (at least the last record): the level λ_top
// fluctuates around late in training, less noisy than the last record.
func LateMedian(recs []Record, frac float64) float64 {
	if len(recs) == 0 {
		return math.NaN()
	}
	from := float64(recs[len(recs)-1].Iter) * (1 - frac)
	var v []float64
	for _, r := range recs {
		if float64(r.Iter) >= from {
			v = append(v, r.LambdaTop)
		}
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
