package plasticity

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

func errRounds(r *Rule, T int) error {
	return fmt.Errorf("plasticity: %s rule is for T=%d rounds, the network has T=%d", r.Kind, r.Rounds, T)
}

// TrainSettings controls Train. The zero value (or nil) trains silently
// from the rules' start weights.
type TrainSettings struct {
	// KeepWeights continues from the current W and U instead of resetting
	// them to the rules' start values.
	KeepWeights bool
	// Progress, if not nil, is called every 100 examples and at the end
	// with the number of examples done and the total.
	Progress func(done, total int)
	// CurveEvery, if positive, records a point of the learning curve every
	// CurveEvery examples (and at the end), evaluated on CurveSet.
	CurveEvery int
	// CurveSet is the set the learning curve is measured on. If nil, the
	// curve records only the online error.
	CurveSet *dataset.Set
	// CurvePrecision is the arithmetic of the curve's evaluations (see
	// EvaluateWith). If CurvePrecision is "", Exact is used. At T = 1
	// the curve is computed exactly from the kept hidden codes
	// (evaluate_codes.go), which is faster still, whatever it says.
	CurvePrecision Precision
	// Record, if not nil, is called after each example on which the rules
	// were applied, before the update, with the example's index and
	// the workspace of its forward pass (patterns, prediction). The
	// meta-learner uses it to record what each update needs.
	Record func(index, label int, ws *Workspace)
}

// CurvePoint is one point of a learning curve.
type CurvePoint struct {
	// Seen is the number of training examples seen so far.
	Seen int `json:"seen"`
	// Epoch is the current epoch (0-based).
	Epoch int `json:"epoch"`
	// OnlineAccuracy is the share of correct predictions (before update)
	// among the examples since the previous point.
	OnlineAccuracy float64 `json:"online_accuracy"`
	// Accuracy is the accuracy on the curve set, NaN if there is none.
	Accuracy float64 `json:"accuracy"`
}

// TrainResult summarises a training run.
type TrainResult struct {
	// Seen is the number of training examples seen.
	Seen int
	// Updates is the number of examples on which the rules were applied.
	Updates int
	// Mistakes[e] counts the wrong predictions (before update) in epoch e.
	Mistakes []int
	// Curve is the learning curve (empty unless CurveEvery > 0).
	Curve []CurvePoint
}

// Train trains net on data with the given rules for cfg.Epochs epochs, in
// an order drawn from the network's seed, and returns a summary. Unless
// s.KeepWeights is set, W and U are first reset to the rules' start values.
func Train(net *Network, rules Rules, data *dataset.Set, s *TrainSettings) (*TrainResult, error) {
	if s == nil {
		s = &TrainSettings{}
	}
	if data.Dim != net.d {
		return nil, fmt.Errorf("plasticity: data set %q has dimension %d, the network expects %d", data.Name, data.Dim, net.d)
	}
	if data.Labels > net.m {
		return nil, fmt.Errorf("plasticity: data set %q has %d labels, the network has %d outputs", data.Name, data.Labels, net.m)
	}
	if err := s.CurvePrecision.Validate(); err != nil {
		return nil, err
	}
	sc, err := net.prepare(rules)
	if err != nil {
		return nil, err
	}
	if !s.KeepWeights {
		net.Reset(rules.Graph, rules.Output)
	}
	cfg := net.cfg
	rng := seed.New(cfg.Seed, seed.Order, 0)
	order := make([]int, data.Len())
	for i := range order {
		order[i] = i
	}
	res := &TrainResult{Mistakes: make([]int, cfg.Epochs)}
	total := cfg.Epochs * data.Len()
	ws := net.ws
	// With a dense graph the loop trains a dense copy of W (see newDense)
	// and stores it back into W whenever W is read from outside the loop.
	var dt *denseTrain
	if net.wantDense() {
		dt = net.trainDense()
	}
	store := func() {
		if dt != nil {
			dt.flush(net)
			net.storeDense(dt.w)
		}
	}
	windowRight, windowSeen := 0, 0
	var codes *curveCodes // the curve set's hidden codes at T = 1 (evaluate_codes.go)
	x := make([]float64, data.Dim)
	for ep := 0; ep < cfg.Epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, idx := range order {
			y := data.Y[idx]
			var rec func(*Workspace)
			if s.Record != nil {
				rec = func(ws *Workspace) { s.Record(idx, y, ws) }
			}
			pred, updated, err := net.step(sc, ws, data.Row(idx, x), y, rec, dt)
			if err != nil {
				store()
				return res, fmt.Errorf("%w at epoch %d, example %d (row %d): the weights diverged; lower eta or use an additive rule", err, ep+1, res.Seen+1, idx)
			}
			if pred != y {
				res.Mistakes[ep]++
			} else {
				windowRight++
			}
			windowSeen++
			if updated {
				res.Updates++
			}
			res.Seen++
			if s.CurveEvery > 0 && (res.Seen%s.CurveEvery == 0 || res.Seen == total) {
				p := CurvePoint{Seen: res.Seen, Epoch: ep, OnlineAccuracy: float64(windowRight) / float64(windowSeen), Accuracy: math.NaN()}
				if s.CurveSet != nil {
					store()
					if codes == nil && useCurveCodes {
						codes = newCurveCodes(net, s.CurveSet) // nil unless T = 1
					}
					if codes != nil {
						p.Accuracy = codes.accuracy()
					} else {
						p.Accuracy = EvaluateWith(net, s.CurveSet, &EvalSettings{Precision: s.CurvePrecision}).Accuracy
					}
				}
				res.Curve = append(res.Curve, p)
				windowRight, windowSeen = 0, 0
			}
			if s.Progress != nil && (res.Seen%100 == 0 || res.Seen == total) {
				s.Progress(res.Seen, total)
			}
		}
	}
	store()
	if err := net.checkFinite(); err != nil {
		return res, err
	}
	return res, nil
}

var errNotFinite = errors.New("plasticity: logits are not finite")

// step trains on one example: forward pass, then the rules if the scheme
// says so. rec, if not nil, sees the workspace before the update. dt, if
// not nil, is a dense training state (see denseTrain) read and updated
// instead of W; its graph update stays pending until the next forward pass
// or a flush.
func (net *Network) step(sc *scaled, ws *Workspace, x []float64, y int, rec func(*Workspace), dt *denseTrain) (pred int, updated bool, err error) {
	var dw []float64
	if dt != nil {
		dw = dt.w
	}
	pred = net.forward(ws, x, dw, dt)
	for _, z := range ws.Z {
		if math.IsNaN(z) || math.IsInf(z, 0) {
			return pred, false, errNotFinite
		}
	}
	if pred == y && net.cfg.Scheme != All {
		return pred, false, nil
	}
	if rec != nil {
		rec(ws)
	}
	if dt != nil {
		net.deferGraph(sc, ws, dt)
	} else {
		net.applyGraphTo(sc, ws, nil)
	}
	net.applyOutput(sc, ws, y)
	return pred, true, nil
}

func (net *Network) checkFinite() error {
	for _, v := range net.W {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("plasticity: graph weights are not finite after training (%v): lower eta", v)
		}
	}
	for _, v := range net.U {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("plasticity: output weights are not finite after training (%v): lower eta", v)
		}
	}
	return nil
}

// Evaluation is the result of Evaluate.
type Evaluation struct {
	// Accuracy is the share of correctly predicted examples.
	Accuracy float64
	// Correct is the number of correctly predicted examples.
	Correct int
	// Pred holds the prediction for every example.
	Pred []int
}

// evalBatch is the number of examples Evaluate passes through a small
// network together (see forwardBatch): 8 keep 8 activation vectors of a
// network and one weight column in the first- and second-level caches.
const evalBatch = 8

// Evaluate predicts every example of data without changing the network.
// It runs on all CPUs, each on a contiguous share of the examples in
// batches: above gatherMaxNodes nodes (with AVX2) reading the weights in
// tiles (see forwardBlocked), else through forwardBatch. Every
// prediction is computed exactly as by Forward, so the result does not
// depend on the number of CPUs.
func Evaluate(net *Network, data *dataset.Set) Evaluation {
	nData := data.Len()
	ev := Evaluation{Pred: make([]int, nData)}
	if nData == 0 {
		return ev
	}
	pw := net.newPredictWeights(nData) // shared read-only by the workers
	inChunks(nData, func(lo, hi int) {
		p := net.newPredictor(min(pw.batch(), hi-lo), pw)
		xs := make([][]float64, p.Batch())
		for b := range xs {
			xs[b] = make([]float64, data.Dim)
		}
		for i := lo; i < hi; i += len(xs) {
			nb := min(len(xs), hi-i)
			for b := range nb {
				data.Row(i+b, xs[b])
			}
			p.Predict(xs[:nb], ev.Pred[i:i+nb])
		}
	})
	ev.score(data.Y)
	return ev
}

// inChunks calls fn(lo, hi) on contiguous chunks of [0, n), one goroutine
// each, as many as GOMAXPROCS with at least 64 items per chunk, and waits
// for them.
func inChunks(n int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/64))
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, min(n, lo+chunk))
		}()
	}
	wg.Wait()
}

// score sets Correct and Accuracy from the predictions and the labels y.
func (ev *Evaluation) score(y []int) {
	for i, p := range ev.Pred {
		if p == y[i] {
			ev.Correct++
		}
	}
	ev.Accuracy = float64(ev.Correct) / float64(len(ev.Pred))
}
