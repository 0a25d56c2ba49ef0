package plasticity

import (
	"fmt"
	"math"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

// BatchCache holds the part of training and measuring a network on one
// batch that does not depend on the rules (SPEC §12): for every example
// the input drive a = (M_A∘A)x and round 1, cap_k(ReLU(a)), with its
// fired set; and the order Train visits the examples in, which depends
// only on the network's seed. A population evaluation computes it once
// per batch and every individual's training reuses it. A BatchCache is
// read-only once built, so any number of goroutines may share it.
type BatchCache struct {
	cfg   Config
	batch *dataset.Set
	n, k1 int
	a     []float64 // a of example i at [i*n, (i+1)*n)
	h1    []float64 // h¹ of example i, dense, at [i*n, (i+1)*n)
	f1    []int32   // the k1 nodes fired in round 1, at [i*k1, (i+1)*k1)
	v1    []float64 // their values h¹ (capKV's vals), at [i*k1, (i+1)*k1)
	ok1   []bool    // capKV's report for example i
	order []int32   // the training order, epoch after epoch
}

// NewBatchCache computes the rule-independent part of training net on
// batch. The cache serves every network built from the same
// configuration (masks and input weights come from the seed).
func NewBatchCache(net *Network, batch *dataset.Set) (*BatchCache, error) {
	if batch.Dim != net.d {
		return nil, fmt.Errorf("plasticity: data set %q has dimension %d, the network expects %d", batch.Name, batch.Dim, net.d)
	}
	if batch.Labels > net.m {
		return nil, fmt.Errorf("plasticity: data set %q has %d labels, the network has %d outputs", batch.Name, batch.Labels, net.m)
	}
	N, n := batch.Len(), net.n
	c := &BatchCache{cfg: net.cfg, batch: batch, n: n, k1: min(net.k, n),
		a: make([]float64, N*n), h1: make([]float64, N*n), order: make([]int32, 0, net.cfg.Epochs*N)}
	c.f1 = make([]int32, 0, N*c.k1+n) // capKV needs room for n
	c.v1, c.ok1 = make([]float64, N*c.k1), make([]bool, N)
	ws := net.NewWorkspace()
	vals := make([]float64, n)
	x := make([]float64, batch.Dim)
	for i := 0; i < N; i++ {
		a := c.a[i*n : (i+1)*n]
		net.inputDrive(a, batch.Row(i, x))
		c.f1, c.ok1[i] = capKV(c.f1, vals, c.h1[i*n:(i+1)*n], a, ws.buf, net.k)
		copy(c.v1[i*c.k1:(i+1)*c.k1], vals)
	}
	// Train's order: one stream from the seed, shuffled again each epoch.
	rng := seed.New(net.cfg.Seed, seed.Order, 0)
	order := make([]int, N)
	for i := range order {
		order[i] = i
	}
	for ep := 0; ep < net.cfg.Epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			c.order = append(c.order, int32(i))
		}
	}
	return c, nil
}

// Batch returns the batch the cache was computed for.
func (c *BatchCache) Batch() *dataset.Set { return c.batch }

// load points ws at example i's input drive and round 1 and sets the
// round-1 bits of its patterns. ws must be one of BatchLoss's cached
// workspaces, never passed to forward (which would write into the cache).
func (c *BatchCache) load(ws *Workspace, i, T int) {
	n, k1 := c.n, c.k1
	ws.A = c.a[i*n : (i+1)*n : (i+1)*n]
	ws.H[1] = c.h1[i*n : (i+1)*n : (i+1)*n]
	ws.Fired[1] = c.f1[i*k1 : (i+1)*k1 : (i+1)*k1]
	ws.fv[1], ws.fvOK[1] = c.v1[i*k1:(i+1)*k1:(i+1)*k1], c.ok1[i]
	clear(ws.Pattern)
	bit := 1 << (T - 1)
	for _, j := range ws.Fired[1] {
		ws.Pattern[j] = bit
	}
}

// BatchLoss measures the meta-learning loss of many rules on one network
// and batch, one rule set per call, as a population evaluation needs: it
// trains the network on the batch with the rules (as Train does) and
// returns the mean loss of the batch at the final weights — the loss
// RuleGrader.Gradient returns, bit for bit, without recording the tape a
// gradient needs. Rounds 1 come from a BatchCache; the final pass runs the
// batch through the package's batched forward kernel (the one Evaluate
// uses). Workspaces are reused: a call allocates nothing. It is not safe
// for concurrent use; give each goroutine its own network and BatchLoss.
type BatchLoss struct {
	net *Network
	sc  scaled
	cws []*Workspace // workspaces loaded from a BatchCache (see load)
	dw  []float64
	dz  []float64
}

// NewBatchLoss returns a BatchLoss for net.
func NewBatchLoss(net *Network) *BatchLoss {
	bl := &BatchLoss{net: net, cws: make([]*Workspace, evalBatch), dz: make([]float64, net.m)}
	for i := range bl.cws {
		bl.cws[i] = net.NewWorkspace()
	}
	if net.wantDense() {
		bl.dw = make([]float64, net.n*net.n)
	}
	return bl
}

// Loss resets the network to the rules' start weights, trains it on batch
// and returns the mean loss (and the accuracy) of batch at the final
// weights. A loss that is not finite is an error, as in RuleGrader.Gradient.
// It builds a BatchCache for the batch; to evaluate many rules on one
// batch, build the cache once and call LossCached.
func (bl *BatchLoss) Loss(rules Rules, batch *dataset.Set, loss Loss) (l, acc float64, err error) {
	c, err := NewBatchCache(bl.net, batch)
	if err != nil {
		return 0, 0, err
	}
	return bl.LossCached(rules, c, loss)
}

// LossCached is Loss on the batch of c. c must come from a network with
// the same configuration as bl's (it panics otherwise). It allocates
// nothing once the workspaces have served a first call.
func (bl *BatchLoss) LossCached(rules Rules, c *BatchCache, loss Loss) (l, acc float64, err error) {
	net := bl.net
	if c.cfg != net.cfg {
		panic("plasticity: BatchLoss.LossCached: the cache was built for another network configuration")
	}
	if loss == "" {
		loss = CrossEntropy
	}
	if err := loss.Validate(); err != nil {
		return 0, 0, err
	}
	batch := c.batch
	n := batch.Len()
	if n == 0 {
		return 0, 0, fmt.Errorf("plasticity: empty batch")
	}
	if err := bl.train(rules, c); err != nil {
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
			c.load(bl.cws[b], i+b, net.T)
		}
		net.roundsBatch(bl.cws[:nb], dw)
		for b := 0; b < nb; b++ {
			ws, y := bl.cws[b], batch.Y[i+b]
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

// train is Train on the batch of c, from the rules' start weights, with
// rounds 1 from the cache: the same examples in the same order, the same
// forward passes and updates, so the same final weights bit for bit.
func (bl *BatchLoss) train(rules Rules, c *BatchCache) error {
	net := bl.net
	if err := net.prepareTo(&bl.sc, rules); err != nil {
		return err
	}
	sc := &bl.sc
	net.Reset(rules.Graph, rules.Output)
	var dt *denseTrain
	var dw []float64
	if net.wantDense() {
		dt = net.trainDense()
		dw = dt.w
	}
	ws, y := bl.cws[0], c.batch.Y
	all := net.cfg.Scheme == All
	N := c.batch.Len()
	for s, i32 := range c.order {
		i := int(i32)
		c.load(ws, i, net.T)
		pred := net.rounds(ws, dw, dt)
		for _, z := range ws.Z {
			if math.IsNaN(z) || math.IsInf(z, 0) {
				if dt != nil {
					dt.flush(net)
					net.storeDense(dt.w)
				}
				return fmt.Errorf("%w at epoch %d, example %d (row %d): the weights diverged; lower eta or use an additive rule", errNotFinite, s/N+1, s%N+1, i)
			}
		}
		if pred == y[i] && !all {
			continue
		}
		if dt != nil {
			net.deferGraph(sc, ws, dt)
		} else {
			net.applyGraphTo(sc, ws, nil)
		}
		net.applyOutput(sc, ws, y[i])
	}
	if dt != nil {
		dt.flush(net)
		net.storeDense(dt.w)
	}
	return net.checkFinite()
}
