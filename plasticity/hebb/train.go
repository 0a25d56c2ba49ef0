package hebb

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"sync"

	"github.com/evolve-toolkit/evolve/plasticity"
)

// Generator fills episodes: a task's episode source.
type Generator interface {
	NewEpisode() *Episode
	Next(ep *Episode)
}

// Settings configures Train. The zero value works.
type Settings struct {
	// Episodes is the number of training episodes. If Episodes is 0, 1000
	// are used.
	Episodes int
	// Batch is the number of episodes per Adam step (the gradient is
	// their mean). If Batch is 0, 1 is used.
	Batch int
	// LR is Adam's learning rate. If LR is 0, 3e-4 is used.
	LR float64
	// Workers is the number of goroutines over the episodes of a batch.
	// Results do not depend on it. If Workers is 0, Batch is used.
	Workers int
	// Progress, if not nil, is called after every step with the number of
	// episodes done and the step's mean loss and sign error.
	Progress func(episodes int, loss, signErr float64)
}

func (s *Settings) defaults() Settings {
	r := Settings{}
	if s != nil {
		r = *s
	}
	if r.Episodes == 0 {
		r.Episodes = 1000
	}
	if r.Batch == 0 {
		r.Batch = 1
	}
	if r.LR == 0 {
		r.LR = 3e-4
	}
	if r.Workers == 0 || r.Workers > r.Batch {
		r.Workers = r.Batch
	}
	return r
}

// Trainer trains a network on episodes from a generator with Adam on the
// exact BPTT gradient.
type Trainer struct {
	Net  *Net
	Adam plasticity.Adam
	gen  Generator
	s    Settings
	eps  []*Episode
	ws   []*Workspace
	grad [][]float64
	loss []float64
	serr []float64
	sum  []float64
	done int
}

// NewTrainer returns a trainer of net on episodes of gen.
func NewTrainer(net *Net, gen Generator, s *Settings) (*Trainer, error) {
	st := s.defaults()
	if st.Episodes < 0 || st.Batch < 0 || st.Workers < 0 || !(st.LR > 0) || math.IsInf(st.LR, 0) {
		return nil, fmt.Errorf("hebb: settings: episodes %d, batch %d, workers %d, lr %v: want non-negative counts and a finite lr > 0", st.Episodes, st.Batch, st.Workers, st.LR)
	}
	tr := &Trainer{Net: net, gen: gen, s: st, Adam: plasticity.Adam{LR: st.LR}}
	for range st.Batch {
		ep := gen.NewEpisode()
		if ep.N != net.N {
			return nil, fmt.Errorf("hebb: task has %d neurons, network %d", ep.N, net.N)
		}
		tr.eps = append(tr.eps, ep)
		tr.grad = append(tr.grad, make([]float64, len(net.Theta)))
	}
	for range st.Workers {
		tr.ws = append(tr.ws, NewWorkspace(net.N))
	}
	tr.loss = make([]float64, st.Batch)
	tr.serr = make([]float64, st.Batch)
	tr.sum = make([]float64, len(net.Theta))
	return tr, nil
}

// Step draws a batch of episodes, computes the mean gradient and takes an
// Adam step. It returns the batch's mean loss and sign error (before the
// step).
func (tr *Trainer) Step() (loss, signErr float64) {
	b := len(tr.eps)
	for _, ep := range tr.eps {
		tr.gen.Next(ep)
	}
	var wg sync.WaitGroup
	for w, ws := range tr.ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := w; e < b; e += len(tr.ws) {
				clear(tr.grad[e])
				tr.loss[e] = ws.Forward(tr.Net, tr.eps[e])
				tr.serr[e] = ws.SignError()
				ws.Backward(tr.grad[e])
			}
		}()
	}
	wg.Wait()
	clear(tr.sum)
	for e := range b {
		for i, g := range tr.grad[e] {
			tr.sum[i] += g
		}
		loss += tr.loss[e]
		signErr += tr.serr[e]
	}
	inv := 1 / float64(b)
	for i := range tr.sum {
		tr.sum[i] *= inv
	}
	tr.Adam.Step(tr.Net.Theta, tr.sum)
	tr.done += b
	return loss * inv, signErr * inv
}

// Done returns the number of episodes trained on.
func (tr *Trainer) Done() int { return tr.done }

// Run takes steps until Settings.Episodes episodes are done.
func (tr *Trainer) Run() {
	for tr.done < tr.s.Episodes {
		l, e := tr.Step()
		if tr.s.Progress != nil {
			tr.s.Progress(tr.done, l, e)
		}
	}
}

// Evaluate returns the mean loss and sign error of net on n episodes of gen.
func Evaluate(net *Net, gen Generator, n int) (loss, signErr float64) {
	ws := NewWorkspace(net.N)
	ep := gen.NewEpisode()
	for range n {
		gen.Next(ep)
		loss += ws.Forward(net, ep)
		signErr += ws.SignError()
	}
	return loss / float64(n), signErr / float64(n)
}

type trainerState struct {
	Theta []float64
	Adam  []byte
	Done  int
}

// MarshalBinary saves the parameters, Adam's state and the number of
// episodes done, so that a checkpointed training resumes exactly.
func (tr *Trainer) MarshalBinary() ([]byte, error) {
	a, err := tr.Adam.MarshalBinary()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = gob.NewEncoder(&buf).Encode(trainerState{Theta: tr.Net.Theta, Adam: a, Done: tr.done})
	return buf.Bytes(), err
}

// UnmarshalBinary restores a state saved by MarshalBinary into a trainer
// made like the saved one (same network shape, generator and settings)
// that has not stepped yet. The generator is brought to the saved point
// by drawing and discarding the episodes already trained on, so the
// generator's seed must be the original one.
func (tr *Trainer) UnmarshalBinary(data []byte) error {
	var s trainerState
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&s); err != nil {
		return fmt.Errorf("hebb: trainer state: %w", err)
	}
	if len(s.Theta) != len(tr.Net.Theta) {
		return fmt.Errorf("hebb: trainer state: %d parameters, network has %d", len(s.Theta), len(tr.Net.Theta))
	}
	if s.Done < 0 || s.Done%len(tr.eps) != 0 {
		return fmt.Errorf("hebb: trainer state: %d episodes done is not a multiple of the batch %d", s.Done, len(tr.eps))
	}
	if tr.done != 0 {
		return fmt.Errorf("hebb: trainer state: restoring into a trainer that has trained")
	}
	if err := tr.Adam.UnmarshalBinary(s.Adam); err != nil {
		return err
	}
	copy(tr.Net.Theta, s.Theta)
	for range s.Done {
		tr.gen.Next(tr.eps[0])
	}
	tr.done = s.Done
	return nil
}
