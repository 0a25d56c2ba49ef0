package hebb

import (
	"fmt"
	"math/rand/v2"
)

// PatternTask is the binary pattern memorisation and completion task of
// SPEC §10: K balanced patterns of P bits are shown Cycles times in a new
// random order each pass, each for Present steps followed by Gap steps of
// zero input; then one of them with exactly half its bits set to 0 is shown
// for Test steps. Inputs are multiplied by Scale; a bias neuron (index P)
// receives Scale at every step. The loss is Σ_j (x_j(T) − target_j)² over
// the P pattern neurons. Extra neurons (indices P+1..) get no input.
type PatternTask struct {
	// P is the number of bits (even), K the number of patterns.
	P int `toml:"p" json:"p"`
	K int `toml:"k" json:"k"`
	// Present, Gap, Cycles and Test are the steps of the schedule.
	Present int `toml:"present" json:"present"`
	Gap     int `toml:"gap" json:"gap"`
	Cycles  int `toml:"cycles" json:"cycles"`
	Test    int `toml:"test" json:"test"`
	// Extra is the number of additional neurons without input.
	Extra int `toml:"extra" json:"extra"`
	// Scale multiplies the inputs. If Scale is 0, 20 is used.
	Scale float64 `toml:"scale" json:"scale"`
}

// FullPatterns is the paper's size: P = 1000, K = 5, present 6, gap 4,
// cycles 2, test 6, T = 106.
func FullPatterns() PatternTask {
	return PatternTask{P: 1000, K: 5, Present: 6, Gap: 4, Cycles: 2, Test: 6}
}

// ReducedPatterns is SPEC §10's reduced size: P = 50, K = 2, present 3,
// gap 1, cycles 1, test 3, T = 11.
func ReducedPatterns() PatternTask {
	return PatternTask{P: 50, K: 2, Present: 3, Gap: 1, Cycles: 1, Test: 3}
}

// Validate reports sizes that cannot be used.
func (p PatternTask) Validate() error {
	switch {
	case p.P < 2 || p.P%2 != 0:
		return fmt.Errorf("hebb: pattern size P = %d: want an even P ≥ 2", p.P)
	case p.K < 1:
		return fmt.Errorf("hebb: K = %d patterns: want at least 1", p.K)
	case p.Present < 1 || p.Gap < 0 || p.Cycles < 1 || p.Test < 1:
		return fmt.Errorf("hebb: present %d, gap %d, cycles %d, test %d: want present, cycles, test ≥ 1 and gap ≥ 0", p.Present, p.Gap, p.Cycles, p.Test)
	case p.Extra < 0:
		return fmt.Errorf("hebb: %d extra neurons", p.Extra)
	case p.Scale < 0:
		return fmt.Errorf("hebb: input scale %v < 0", p.Scale)
	}
	return nil
}

// Steps returns T = Cycles·K·(Present + Gap) + Test.
func (p PatternTask) Steps() int { return p.Cycles*p.K*(p.Present+p.Gap) + p.Test }

// Neurons returns N = P + 1 + Extra.
func (p PatternTask) Neurons() int { return p.P + 1 + p.Extra }

// PatternGen draws episodes of a PatternTask without allocating.
type PatternGen struct {
	task     PatternTask
	rng      *rand.Rand
	pats     []float64
	order    []int
	perm     []int
	scale    float64
	patIndex int
}

// NewPatternGen returns a generator of episodes of task drawn from src.
func NewPatternGen(task PatternTask, src rand.Source) (*PatternGen, error) {
	if src == nil {
		panic("hebb: NewPatternGen: nil source")
	}
	if err := task.Validate(); err != nil {
		return nil, err
	}
	s := task.Scale
	if s == 0 {
		s = 20
	}
	return &PatternGen{task: task, rng: rand.New(src), pats: make([]float64, task.K*task.P),
		order: make([]int, task.K), perm: make([]int, task.P), scale: s}, nil
}

// NewEpisode allocates an episode of the task's size.
func (g *PatternGen) NewEpisode() *Episode {
	return NewEpisode(g.task.Steps(), g.task.Neurons())
}

func (g *PatternGen) shuffle(a []int) {
	for i := range a {
		a[i] = i
	}
	for i := len(a) - 1; i > 0; i-- {
		j := g.rng.IntN(i + 1)
		a[i], a[j] = a[j], a[i]
	}
}

// Next fills ep with a fresh episode. Draw order: for each pattern a
// permutation of its bits (the first P/2 positions are +1), for each
// cycle a permutation of the patterns, the test pattern, the permutation
// choosing its erased half.
func (g *PatternGen) Next(ep *Episode) {
	t := g.task
	n := t.Neurons()
	if ep.N != n || ep.T != t.Steps() {
		panic("hebb: PatternGen.Next: episode of the wrong size")
	}
	for k := range t.K {
		g.shuffle(g.perm)
		pat := g.pats[k*t.P : (k+1)*t.P]
		for q, i := range g.perm {
			if q < t.P/2 {
				pat[i] = 1
			} else {
				pat[i] = -1
			}
		}
	}
	clear(ep.U)
	s := 1
	for range t.Cycles {
		g.shuffle(g.order)
		for _, k := range g.order {
			pat := g.pats[k*t.P : (k+1)*t.P]
			for range t.Present {
				u := ep.Input(s)
				for i, v := range pat {
					u[i] = g.scale * v
				}
				s++
			}
			s += t.Gap
		}
	}
	k := g.rng.IntN(t.K)
	g.patIndex = k
	pat := g.pats[k*t.P : (k+1)*t.P]
	g.shuffle(g.perm)
	for range t.Test {
		u := ep.Input(s)
		for i, v := range pat {
			u[i] = g.scale * v
		}
		for _, i := range g.perm[:t.P/2] {
			u[i] = 0
		}
		s++
	}
	for s := 1; s <= ep.T; s++ {
		ep.Input(s)[t.P] = g.scale
	}
	clear(ep.Target)
	clear(ep.Weight)
	copy(ep.Target, pat)
	for i := range t.P {
		ep.Weight[i] = 1
	}
}
