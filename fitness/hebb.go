package fitness

import (
	"fmt"
	"sync"

	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity/hebb"
)

// HebbSpec configures the hebb landscape (Spec.Kind "hebb", TOML section
// [landscape.hebb]). The zero value is the reduced pattern task with the
// hebb trace rule, one shared α, 20 episodes per generation and 200 test
// episodes.
type HebbSpec struct {
	// Patterns is the pattern task. If P is 0, hebb.ReducedPatterns() is
	// used (then Extra and Scale are kept).
	Patterns hebb.PatternTask `toml:"patterns" json:"patterns"`
	// Rule is the trace rule: hebb (the default) or oja. The modulator of
	// neuromodulated is not a genome-level number, so it is not offered.
	Rule hebb.Rule `toml:"rule" json:"rule"`
	// Clip is the trace clip c (0: none).
	Clip float64 `toml:"clip" json:"clip"`
	// Alpha is "shared" (the default: Y = (η, α), two coefficients) or
	// "synapse" (Y = (η, α_ji for all N² connections), the genomic
	// bottleneck knob of SPEC §10).
	Alpha hebb.AlphaMode `toml:"alpha" json:"alpha"`
	// Episodes is the number of episodes of each generation. If Episodes
	// is 0, 20 is used.
	Episodes int `toml:"episodes" json:"episodes"`
	// TestEpisodes is the number of fixed test episodes of TestAccuracy.
	// If TestEpisodes is 0, 200 is used.
	TestEpisodes int `toml:"test_episodes" json:"test_episodes"`
}

// Defaults returns h with its zero fields set.
func (h HebbSpec) Defaults() HebbSpec {
	if h.Patterns.P == 0 {
		r := hebb.ReducedPatterns()
		r.Extra, r.Scale = h.Patterns.Extra, h.Patterns.Scale
		h.Patterns = r
	}
	if h.Patterns.Scale == 0 {
		h.Patterns.Scale = 20
	}
	if h.Rule == "" {
		h.Rule = hebb.RuleHebb
	}
	if h.Alpha == "" {
		h.Alpha = hebb.AlphaShared
	}
	if h.Episodes == 0 {
		h.Episodes = 20
	}
	if h.TestEpisodes == 0 {
		h.TestEpisodes = 200
	}
	return h
}

// Validate reports the first problem of h (after defaults).
func (h HebbSpec) Validate() error {
	h = h.Defaults()
	if err := h.Patterns.Validate(); err != nil {
		return fmt.Errorf("fitness: hebb: %w", err)
	}
	if h.Rule != hebb.RuleHebb && h.Rule != hebb.RuleOja {
		return fmt.Errorf("fitness: hebb: rule %q: want hebb or oja", h.Rule)
	}
	if h.Alpha != hebb.AlphaShared && h.Alpha != hebb.AlphaSynapse {
		return fmt.Errorf("fitness: hebb: alpha %q: want shared or synapse", h.Alpha)
	}
	if h.Episodes < 1 || h.TestEpisodes < 1 {
		return fmt.Errorf("fitness: hebb: episodes %d, test_episodes %d: want ≥ 1", h.Episodes, h.TestEpisodes)
	}
	return hebb.Config{N: h.Patterns.Neurons(), Rule: h.Rule, Alpha: h.Alpha, Clip: h.Clip}.Validate()
}

// Hebb is the landscape of differentiable plasticity's pattern task (SPEC
// §10) as a function of genome-level coefficients: Y = (η, α) with one
// shared α, or (η, α_ji…) with one α per connection (row-major by
// post-neuron j). The fixed weights are w = 0, so the network is the
// Hopfield-like auto-associator x(t) = tanh(α Hebb(t) x(t−1) + u(t)) whose
// trace stores the patterns shown in the episode. L(Y) is the mean
// episode loss Σ_j (x_j(T) − target_j)² over the generation's episodes;
// ∇L is the exact BPTT gradient of package hebb.
//
// Episodes are random: generation g draws Episodes fresh episodes from
// stream (Seed, seed.Data, g), shared by every individual and every run
// of the generation (common random numbers); At(0) is the landscape
// itself. TestAccuracy(Y) is 1 − the sign error on TestEpisodes fixed
// episodes (stream seed.Sample), the fraction of pattern bits right.
//
// Loss and Gradient are safe for concurrent use and deterministic.
type Hebb struct {
	*hebbShared
	gen int
	eps []*hebb.Episode
}

type hebbShared struct {
	spec HebbSpec
	cfg  hebb.Config
	seed uint64
	pool sync.Pool

	mu    sync.Mutex
	cache []*Hebb
	test  []*hebb.Episode
}

type hebbWorker struct {
	net  *hebb.Net
	ws   *hebb.Workspace
	grad []float64
}

var (
	_ Stochastic = (*Hebb)(nil)
	_ Tester     = (*Hebb)(nil)
)

// NewHebb returns the landscape of spec with episodes drawn from seed.
func NewHebb(spec HebbSpec, s uint64) (*Hebb, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	spec = spec.Defaults()
	cfg := hebb.Config{N: spec.Patterns.Neurons(), Rule: spec.Rule, Alpha: spec.Alpha, Clip: spec.Clip}.Defaults()
	sh := &hebbShared{spec: spec, cfg: cfg, seed: s}
	h := sh.at(0)
	sh.cache = []*Hebb{h}
	return h, nil
}

// episodes draws n episodes from the stream (seed, purpose, index).
func (sh *hebbShared) episodes(purpose, index uint64, n int) []*hebb.Episode {
	gen, err := hebb.NewPatternGen(sh.spec.Patterns, seed.PCG(sh.seed, purpose, index))
	if err != nil {
		panic("fitness: Hebb: " + err.Error()) // validated in NewHebb
	}
	eps := make([]*hebb.Episode, n)
	for i := range eps {
		eps[i] = gen.NewEpisode()
		gen.Next(eps[i])
	}
	return eps
}

func (sh *hebbShared) at(g int) *Hebb {
	return &Hebb{hebbShared: sh, gen: g, eps: sh.episodes(seed.Data, uint64(g), sh.spec.Episodes)}
}

// At returns the landscape of generation g: Episodes fresh episodes. It
// is safe for concurrent use.
func (h *Hebb) At(g int) Landscape {
	if g < 0 {
		panic(fmt.Sprintf("fitness: Hebb.At: generation %d < 0", g))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, v := range h.cache {
		if v.gen == g {
			return v
		}
	}
	v := h.at(g)
	const keep = 4 // a driver needs generations t and t + 1
	if len(h.cache) == keep {
		copy(h.cache, h.cache[1:])
		h.cache = h.cache[:keep-1]
	}
	h.cache = append(h.cache, v)
	return v
}

// Dim returns 1 + the number of α: 2 for a shared α, 1 + N² per synapse.
func (h *Hebb) Dim() int {
	if h.cfg.Alpha == hebb.AlphaSynapse {
		return 1 + h.cfg.N*h.cfg.N
	}
	return 2
}

// Spec returns the landscape's settings with defaults applied.
func (h *Hebb) Spec() HebbSpec { return h.spec }

// ExamplesPerLoss returns the episodes one evaluation of L runs.
func (h *Hebb) ExamplesPerLoss() int { return len(h.eps) }

// Episodes returns the episodes of this generation (do not modify them).
func (h *Hebb) Episodes() []*hebb.Episode { return h.eps }

// Net returns a network with the coefficients y (η = y[0], α = y[1:],
// w = 0).
func (h *Hebb) Net(y []float64) *hebb.Net {
	w := h.newWorker()
	h.set(w.net, y)
	return w.net
}

func (sh *hebbShared) newWorker() *hebbWorker {
	net, err := hebb.NewNet(sh.cfg, seed.PCG(0, seed.Network, 0))
	if err != nil {
		panic("fitness: Hebb: " + err.Error()) // validated in NewHebb
	}
	clear(net.Theta) // w = 0; α and η are set from Y
	return &hebbWorker{net: net, ws: hebb.NewWorkspace(sh.cfg.N), grad: make([]float64, len(net.Theta))}
}

func (sh *hebbShared) get() *hebbWorker {
	if w, ok := sh.pool.Get().(*hebbWorker); ok {
		return w
	}
	return sh.newWorker()
}

func (h *Hebb) set(net *hebb.Net, y []float64) {
	if len(y) != h.Dim() {
		panic(fmt.Sprintf("fitness: Hebb: %d coefficients, want %d", len(y), h.Dim()))
	}
	net.SetEta(y[0])
	copy(net.Alpha, y[1:])
}

// Loss returns the mean episode loss of the generation's episodes.
func (h *Hebb) Loss(y []float64) float64 {
	w := h.get()
	defer h.pool.Put(w)
	h.set(w.net, y)
	l := 0.0
	for _, ep := range h.eps {
		l += w.ws.Forward(w.net, ep)
	}
	return l / float64(len(h.eps))
}

// Gradient writes ∇L(y) (exact BPTT) to dst and returns L(y).
func (h *Hebb) Gradient(dst, y []float64) float64 {
	if len(dst) != h.Dim() {
		panic("fitness: Hebb.Gradient: dst has wrong length")
	}
	w := h.get()
	defer h.pool.Put(w)
	h.set(w.net, y)
	clear(w.grad)
	l := 0.0
	for _, ep := range h.eps {
		l += w.ws.Forward(w.net, ep)
		w.ws.Backward(w.grad)
	}
	inv := 1 / float64(len(h.eps))
	n2 := h.cfg.N * h.cfg.N
	dst[0] = w.grad[w.net.EtaIndex()] * inv
	for i := range dst[1:] {
		dst[1+i] = w.grad[n2+i] * inv
	}
	return l / float64(len(h.eps))
}

// HasTest reports true: the landscape has fixed test episodes.
func (h *Hebb) HasTest() bool { return true }

// TestAccuracy returns 1 − the mean sign error of the network with
// coefficients y on the fixed test episodes.
func (h *Hebb) TestAccuracy(y []float64) (float64, error) {
	h.mu.Lock()
	if h.test == nil {
		h.test = h.episodes(seed.Sample, 0, h.spec.TestEpisodes)
	}
	test := h.test
	h.mu.Unlock()
	w := h.get()
	defer h.pool.Put(w)
	h.set(w.net, y)
	e := 0.0
	for _, ep := range test {
		w.ws.Forward(w.net, ep)
		e += w.ws.SignError()
	}
	return 1 - e/float64(len(test)), nil
}
