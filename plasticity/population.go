package plasticity

import (
	"fmt"
	"math"

	"github.com/evolve-toolkit/evolve/dataset"
)

// BatchLoss measures the meta-learning loss of many rules on one network
// and batch, one rule set per call, as a population evaluation needs: it
// trains the network on the batch with the rules (Train) and returns the
// mean loss of the batch at the final weights — the loss RuleGrader.Gradient
// returns, bit for bit, without recording the tape a gradient needs. The
// final pass runs the batch through the package's batched forward kernel
// (the one Evaluate uses) with reused workspaces. It is not safe for
// concurrent use; give each goroutine its own network and BatchLoss.
type BatchLoss struct {
	net *Network
	wss []*Workspace
	xs  [][]float64
	dw  []float64
	dz  []float64
}

// NewBatchLoss returns a BatchLoss for net.
func NewBatchLoss(net *Network) *BatchLoss {
	bl := &BatchLoss{net: net, wss: make([]*Workspace, evalBatch), xs: make([][]float64, evalBatch), dz: make([]float64, net.m)}
	for i := range bl.wss {
		bl.wss[i] = net.NewWorkspace()
	}
	if net.wantDense() {
		bl.dw = make([]float64, net.n*net.n)
	}
	return bl
}

// Loss resets the network to the rules' start weights, trains it on batch
// and returns the mean loss (and the accuracy) of batch at the final
// weights. A loss that is not finite is an error, as in RuleGrader.Gradient.
func (bl *BatchLoss) Loss(rules Rules, batch *dataset.Set, loss Loss) (l, acc float64, err error) {
	net := bl.net
	if loss == "" {
		loss = CrossEntropy
	}
	if err := loss.Validate(); err != nil {
		return 0, 0, err
	}
	n := batch.Len()
	if n == 0 {
		return 0, 0, fmt.Errorf("plasticity: empty batch")
	}
	if _, err := Train(net, rules, batch, nil); err != nil {
		return 0, 0, err
	}
	var dw []float64
	if bl.dw != nil {
		clear(bl.dw)
		dw = net.fillDense(bl.dw)
	}
	scale := 1 / float64(n)
	right := 0
	for i := 0; i < n; i += evalBatch {
		nb := min(evalBatch, n-i)
		for b := 0; b < nb; b++ {
			bl.xs[b] = batch.Row(i + b)
		}
		net.forwardBatch(bl.wss[:nb], bl.xs[:nb], dw)
		for b := 0; b < nb; b++ {
			ws, y := bl.wss[b], batch.Y[i+b]
			if ws.Pred == y {
				right++
			}
			li := LossGrad(bl.dz, ws.Z, y, loss, scale)
			if math.IsNaN(li) || math.IsInf(li, 0) {
				return li, 0, fmt.Errorf("plasticity: loss of batch example %d is %v", i+b, li)
			}
			l += li
		}
	}
	return l * scale, float64(right) * scale, nil
}
