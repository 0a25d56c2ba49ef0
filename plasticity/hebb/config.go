package hebb

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Rule names a trace rule.
type Rule string

// The trace rules of SPEC §10.
const (
	RuleHebb  Rule = "hebb"           // decaying Hebbian trace
	RuleOja   Rule = "oja"            // Oja's rule
	RuleNeuro Rule = "neuromodulated" // Backpropamine, simple form
)

// AlphaMode says how many plasticity coefficients α there are.
type AlphaMode string

// The α modes.
const (
	AlphaSynapse AlphaMode = "synapse" // one α per connection (N²)
	AlphaPost    AlphaMode = "post"    // one α per post-synaptic neuron (N)
	AlphaShared  AlphaMode = "shared"  // one scalar
	AlphaNone    AlphaMode = "none"    // α ≡ 0: a plain, non-plastic tanh RNN
)

// Rules lists the trace rules; AlphaModes the α modes.
var (
	Rules      = []Rule{RuleHebb, RuleOja, RuleNeuro}
	AlphaModes = []AlphaMode{AlphaSynapse, AlphaPost, AlphaShared, AlphaNone}
)

// Config describes a plastic network. The zero value of every field but N
// takes its default.
type Config struct {
	// N is the number of neurons.
	N int `json:"neurons" toml:"neurons"`
	// Rule is the trace rule. If Rule is "", RuleHebb is used.
	Rule Rule `json:"rule" toml:"rule"`
	// Alpha is the α mode. If Alpha is "", AlphaSynapse is used.
	Alpha AlphaMode `json:"alpha" toml:"alpha"`
	// Clip is the bound c of the hard clip of the trace to [−c, c]. If
	// Clip is 0 there is no clip for hebb and oja, and c = 1 for
	// neuromodulated (which is always clipped).
	Clip float64 `json:"clip" toml:"clip"`
	// Eta is the start of the learned rate η. If Eta is 0, 0.01 is used.
	Eta float64 `json:"eta" toml:"eta"`
	// InitScale is the standard deviation of the initial w, α and w_M.
	// If InitScale is 0, 0.01 is used.
	InitScale float64 `json:"init_scale" toml:"init_scale"`
	// Clamp selects clamped input (x_j = u_j where u_j ≠ 0) instead of
	// additive input.
	Clamp bool `json:"clamp" toml:"clamp"`
	// Memory is the budget in bytes for stored traces in the backward
	// pass. If Memory is 0, 256 MiB is used.
	Memory int64 `json:"memory_bytes" toml:"memory_bytes"`
}

// Defaults returns c with every zero field set to its default.
func (c Config) Defaults() Config {
	if c.Rule == "" {
		c.Rule = RuleHebb
	}
	if c.Alpha == "" {
		c.Alpha = AlphaSynapse
	}
	if c.Clip == 0 && c.Rule == RuleNeuro {
		c.Clip = 1
	}
	if c.Eta == 0 {
		c.Eta = 0.01
	}
	if c.InitScale == 0 {
		c.InitScale = 0.01
	}
	if c.Memory == 0 {
		c.Memory = 256 << 20
	}
	return c
}

// Validate reports a configuration that cannot be used.
func (c Config) Validate() error {
	if c.N < 1 {
		return fmt.Errorf("hebb: %d neurons: need at least 1", c.N)
	}
	switch c.Rule {
	case "", RuleHebb, RuleOja, RuleNeuro:
	default:
		return fmt.Errorf("hebb: unknown trace rule %q (want hebb, oja or neuromodulated)", c.Rule)
	}
	switch c.Alpha {
	case "", AlphaSynapse, AlphaPost, AlphaShared, AlphaNone:
	default:
		return fmt.Errorf("hebb: unknown alpha mode %q (want synapse, post, shared or none)", c.Alpha)
	}
	if c.Clip < 0 || math.IsNaN(c.Clip) || math.IsInf(c.Clip, 0) {
		return fmt.Errorf("hebb: clip %v: want a finite c > 0, or 0 for none", c.Clip)
	}
	if math.IsNaN(c.Eta) || math.IsInf(c.Eta, 0) {
		return fmt.Errorf("hebb: eta %v is not finite", c.Eta)
	}
	if c.InitScale < 0 || math.IsNaN(c.InitScale) || math.IsInf(c.InitScale, 0) {
		return fmt.Errorf("hebb: init scale %v: want finite and ≥ 0", c.InitScale)
	}
	if c.Memory < 0 {
		return fmt.Errorf("hebb: memory budget %d bytes is negative", c.Memory)
	}
	return nil
}

// Net holds the learned parameters of a plastic network in one vector
// Theta, laid out as
//
//	w (N², row-major by post-neuron) | α (N², N, 1 or 0 values) | η | w_M (N) | b_M
//
// where w_M and b_M exist for the neuromodulated rule only. W, Alpha and
// WM are views of Theta.
type Net struct {
	cfg   Config
	N     int
	Theta []float64
	W     []float64
	Alpha []float64
	WM    []float64

	offEta, offBM int
}

// NewNet returns a network with w, α and w_M drawn from
// InitScale·N(0, 1) (in that order from src), η = Eta and b_M = 0.
func NewNet(cfg Config, src rand.Source) (*Net, error) {
	if src == nil {
		panic("hebb: NewNet: nil source")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	net := newNet(cfg.Defaults())
	rng := rand.New(src)
	s := net.cfg.InitScale
	for i := range net.W {
		net.W[i] = s * rng.NormFloat64()
	}
	for i := range net.Alpha {
		net.Alpha[i] = s * rng.NormFloat64()
	}
	for i := range net.WM {
		net.WM[i] = s * rng.NormFloat64()
	}
	net.Theta[net.offEta] = net.cfg.Eta
	return net, nil
}

// newNet allocates a zero network for a configuration with defaults applied.
func newNet(cfg Config) *Net {
	n := cfg.N
	na := 0
	switch cfg.Alpha {
	case AlphaSynapse:
		na = n * n
	case AlphaPost:
		na = n
	case AlphaShared:
		na = 1
	}
	nm := 0
	if cfg.Rule == RuleNeuro {
		nm = n + 1
	}
	theta := make([]float64, n*n+na+1+nm)
	net := &Net{cfg: cfg, N: n, Theta: theta}
	net.W = theta[: n*n : n*n]
	net.Alpha = theta[n*n : n*n+na : n*n+na]
	net.offEta = n*n + na
	net.offBM = -1
	if nm > 0 {
		net.WM = theta[net.offEta+1 : net.offEta+1+n : net.offEta+1+n]
		net.offBM = net.offEta + 1 + n
	}
	return net
}

// Config returns the configuration with defaults applied.
func (n *Net) Config() Config { return n.cfg }

// Eta returns the current η.
func (n *Net) Eta() float64 { return n.Theta[n.offEta] }

// SetEta sets η.
func (n *Net) SetEta(v float64) { n.Theta[n.offEta] = v }

// EtaIndex returns the index of η in Theta.
func (n *Net) EtaIndex() int { return n.offEta }

// BM returns b_M (0 for rules without a modulator).
func (n *Net) BM() float64 {
	if n.offBM < 0 {
		return 0
	}
	return n.Theta[n.offBM]
}

// Plastic reports whether the network has traces (α is not fixed at 0).
func (n *Net) Plastic() bool { return n.cfg.Alpha != AlphaNone }

// Clone returns a deep copy of n.
func (n *Net) Clone() *Net {
	c := newNet(n.cfg)
	copy(c.Theta, n.Theta)
	return c
}
