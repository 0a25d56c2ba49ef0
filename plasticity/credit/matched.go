package credit

import "math"

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
