package plasticity

import (
	"errors"
	"fmt"
	"math"
)

// Scheme says on which examples the rules are applied.
type Scheme string

const (
	// Mistakes applies the rules only when the prediction is wrong (the default).
	Mistakes Scheme = "mistakes"
	// All applies the rules after every training example.
	All Scheme = "all"
)

// Recurrence selects how rounds t ≥ 2 combine the graph and the input.
type Recurrence string

const (
	// Paper is hᵗ = cap_k(ReLU((G∘W)hᵗ⁻¹ + a)), the paper's recurrence (the default).
	Paper Recurrence = "paper"
	// Reference is hᵗ = cap_k(ReLU((G∘W)(hᵗ⁻¹ + a))), the public reference's.
	Reference Recurrence = "reference"
)

// MaxRounds is the largest supported number of rounds T (a graph rule has 4^T entries).
const MaxRounds = 8

// Config describes a network and how its rules train it. The zero value of
// every field selects its documented default; Inputs and Labels are usually
// taken from the data set.
type Config struct {
	// Inputs is the input dimension d. It must be set (see FitData).
	Inputs int `toml:"inputs" json:"inputs"`
	// Labels is the number of labels m. It must be set (see FitData).
	Labels int `toml:"labels" json:"labels"`
	// Nodes is |V|. If Nodes is 0, 1000 is used.
	Nodes int `toml:"nodes" json:"nodes"`
	// Cap is k, the number of nodes that fire each round. If Cap is 0, Nodes/2 is used.
	Cap int `toml:"cap" json:"cap"`
	// Rounds is T. If Rounds is 0, 1 is used.
	Rounds int `toml:"rounds" json:"rounds"`
	// P is the edge probability of the input mask and the graph. If P is 0, 0.5 is used.
	P float64 `toml:"p" json:"p"`
	// Eta is the step size η of the rules. If Eta is 0, 0.01 is used.
	Eta float64 `toml:"eta" json:"eta"`
	// Scheme is Mistakes or All. If Scheme is "", Mistakes is used.
	Scheme Scheme `toml:"scheme" json:"scheme"`
	// AllEdges applies column 1 of the output rule to every wrong label, not only ŷ.
	AllEdges bool `toml:"all_edges" json:"all_edges"`
	// InputOnes sets every input weight to 1 instead of N(0,1).
	InputOnes bool `toml:"input_ones" json:"input_ones"`
	// Recurrence is Paper or Reference. If Recurrence is "", Paper is used.
	Recurrence Recurrence `toml:"recurrence" json:"recurrence"`
	// Epochs is the number of passes over the training set. If Epochs is 0, 1 is used.
	Epochs int `toml:"epochs" json:"epochs"`
	// Seed seeds the masks, the input weights and the example order.
	Seed uint64 `toml:"seed" json:"seed"`
}

// Defaults returns a copy of c with every zero field replaced by its default.
func (c Config) Defaults() Config {
	if c.Nodes == 0 {
		c.Nodes = 1000
	}
	if c.Cap == 0 {
		c.Cap = c.Nodes / 2
	}
	if c.Rounds == 0 {
		c.Rounds = 1
	}
	if c.P == 0 {
		c.P = 0.5
	}
	if c.Eta == 0 {
		c.Eta = 0.01
	}
	if c.Scheme == "" {
		c.Scheme = Mistakes
	}
	if c.Recurrence == "" {
		c.Recurrence = Paper
	}
	if c.Epochs == 0 {
		c.Epochs = 1
	}
	return c
}

// Validate reports the first problem of a configuration after defaults.
func (c Config) Validate() error {
	c = c.Defaults()
	var errs []error
	if c.Inputs <= 0 {
		errs = append(errs, fmt.Errorf("inputs must be positive, got %d", c.Inputs))
	}
	if c.Labels < 2 {
		errs = append(errs, fmt.Errorf("labels must be at least 2, got %d", c.Labels))
	}
	if c.Nodes <= 0 {
		errs = append(errs, fmt.Errorf("nodes must be positive, got %d", c.Nodes))
	}
	if c.Cap <= 0 || c.Cap > c.Nodes {
		errs = append(errs, fmt.Errorf("cap must be in [1, nodes=%d], got %d", c.Nodes, c.Cap))
	}
	if c.Rounds < 1 || c.Rounds > MaxRounds {
		errs = append(errs, fmt.Errorf("rounds must be in [1, %d], got %d", MaxRounds, c.Rounds))
	}
	if !(c.P > 0 && c.P <= 1) {
		errs = append(errs, fmt.Errorf("p must be in (0, 1], got %v", c.P))
	}
	if !(c.Eta > 0) || math.IsInf(c.Eta, 0) {
		errs = append(errs, fmt.Errorf("eta must be positive and finite, got %v", c.Eta))
	}
	if c.Scheme != Mistakes && c.Scheme != All {
		errs = append(errs, fmt.Errorf("scheme must be %q or %q, got %q", Mistakes, All, c.Scheme))
	}
	if c.Recurrence != Paper && c.Recurrence != Reference {
		errs = append(errs, fmt.Errorf("recurrence must be %q or %q, got %q", Paper, Reference, c.Recurrence))
	}
	if c.Epochs < 0 {
		errs = append(errs, fmt.Errorf("epochs must be positive, got %d", c.Epochs))
	}
	if len(errs) > 0 {
		return fmt.Errorf("plasticity: invalid config: %w", errors.Join(errs...))
	}
	return nil
}
