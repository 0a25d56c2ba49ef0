package fitness

import (
	"fmt"
	"math"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
	"gonum.org/v1/gonum/mat"
)

// Spec describes a landscape in a form a config file can hold; Build
// makes it. The zero value is the default landscape of "evolve run": the
// output rule of a |V| = 100, k = 50, T = 1 network on halfspace.
type Spec struct {
	// Kind is "output-rule" (the default), "full-rule", "quadratic",
	// "linear-ce" or "hebb" (differentiable plasticity, see Hebb).
	Kind string `toml:"kind" json:"kind"`
	// Dataset names the data set of the plasticity and linear-ce
	// landscapes. If Dataset is "", "halfspace" is used.
	Dataset string `toml:"dataset" json:"dataset"`
	// DataDir is the folder of the IDX files for mnist and fashion.
	DataDir string `toml:"data_dir" json:"data_dir,omitempty"`
	// Batch is the number of examples of the fixed batch, or of each
	// generation's batch when Stochastic. If Batch is 0, 200 is used.
	Batch int `toml:"batch" json:"batch"`
	// Stochastic (full-rule only) draws a new batch for every generation
	// from the training set, the batches plasticity.Meta draws for Seed
	// (SPEC §12); false keeps one fixed batch.
	Stochastic bool `toml:"stochastic" json:"stochastic"`
	// TrainSize is the size of the training set (full-rule: the batches
	// of a stochastic landscape and the training of the test accuracy).
	// If TrainSize is 0, the data set's default is used (mnist and
	// fashion: 10,000, as evolve meta).
	TrainSize int `toml:"train_size" json:"train_size"`
	// TestSize is the size of the test set of the test accuracy. If
	// TestSize is 0, the whole test set is used.
	TestSize int `toml:"test_size" json:"test_size"`
	// Network configures the plasticity landscapes. Its zero fields take
	// the plasticity defaults, except Nodes (default 100).
	Network plasticity.Config `toml:"network" json:"network"`
	// Graph puts the graph rule's entries in Y (full-rule, T ≥ 2).
	Graph bool `toml:"graph" json:"graph"`
	// GraphHidden, if positive, makes the graph rule an MLP with this many
	// hidden units, its parameters in Y (full-rule with graph; `evolve
	// meta`'s graph = "mlp", hidden). 0 keeps the table.
	GraphHidden int `toml:"graph_hidden" json:"graph_hidden,omitempty"`
	// Loss is "ce" (the default) or "mse".
	Loss plasticity.Loss `toml:"loss" json:"loss"`
	// Dim is P for the quadratic and linear-ce landscapes. If Dim is 0, 4 is used.
	Dim int `toml:"dim" json:"dim"`
	// Curvature holds the diagonal Hessian of the quadratic; nil means
	// 1, 2, …, Dim.
	Curvature []float64 `toml:"curvature" json:"curvature,omitempty"`
	// Optimum is the quadratic's minimiser; nil means 0.1·(1, −1, 1, …).
	Optimum []float64 `toml:"optimum" json:"optimum,omitempty"`
	// Seed seeds the data, the network and the random parts of the landscape.
	Seed uint64 `toml:"seed" json:"seed"`
	// Hebb configures the hebb landscape (fresh episodes every generation).
	Hebb HebbSpec `toml:"hebb" json:"hebb"`
}

// Defaults returns s with its zero fields set.
func (s Spec) Defaults() Spec {
	if s.Kind == "" {
		s.Kind = "output-rule"
	}
	if s.Dataset == "" {
		s.Dataset = "halfspace"
	}
	if s.Batch == 0 {
		s.Batch = 200
	}
	if s.Network.Nodes == 0 {
		s.Network.Nodes = 100
	}
	if s.Loss == "" {
		s.Loss = plasticity.CrossEntropy
	}
	if s.Dim == 0 {
		s.Dim = 4
	}
	if s.Curvature == nil && s.Kind == "quadratic" {
		for i := 0; i < s.Dim; i++ {
			s.Curvature = append(s.Curvature, float64(i+1))
		}
	}
	if s.Optimum == nil && s.Kind == "quadratic" {
		for i := 0; i < s.Dim; i++ {
			s.Optimum = append(s.Optimum, 0.1*math.Pow(-1, float64(i)))
		}
	}
	if s.Network.Seed == 0 {
		s.Network.Seed = s.Seed
	}
	switch s.Kind {
	case "output-rule":
		// The landscape trains with every example and every wrong label
		// (its gradient is exact only then): the effective values.
		if s.Network.Scheme == "" {
			s.Network.Scheme = plasticity.All
		}
		s.Network.AllEdges = true
		s.Network = s.Network.Defaults()
	case "full-rule":
		s.Network = s.Network.Defaults()
	}
	return s
}

// Validate reports the first problem of the spec.
func (s Spec) Validate() error {
	s = s.Defaults()
	switch s.Kind {
	case "output-rule", "full-rule", "quadratic", "linear-ce":
	case "hebb":
		return s.Hebb.Validate()
	default:
		return fmt.Errorf("fitness: landscape kind must be output-rule, full-rule, quadratic, linear-ce or hebb, got %q", s.Kind)
	}
	if s.Batch < 1 {
		return fmt.Errorf("fitness: batch must be positive, got %d", s.Batch)
	}
	if s.TrainSize < 0 || s.TestSize < 0 {
		return fmt.Errorf("fitness: train_size (%d) and test_size (%d) must not be negative", s.TrainSize, s.TestSize)
	}
	if s.GraphHidden < 0 {
		return fmt.Errorf("fitness: graph_hidden must not be negative, got %d", s.GraphHidden)
	}
	if s.GraphHidden > 0 && (s.Kind != "full-rule" || !s.Graph || s.Network.Rounds < 2) {
		return fmt.Errorf("fitness: graph_hidden = %d needs kind = \"full-rule\", graph = true and network.rounds ≥ 2", s.GraphHidden)
	}
	if s.Stochastic && s.Kind != "full-rule" {
		return fmt.Errorf("fitness: stochastic batches need the full-rule landscape, got %q", s.Kind)
	}
	if s.Kind == "quadratic" && (len(s.Curvature) != s.Dim || len(s.Optimum) != s.Dim) {
		return fmt.Errorf("fitness: quadratic of dimension %d needs %d curvatures and optimum values, got %d and %d", s.Dim, s.Dim, len(s.Curvature), len(s.Optimum))
	}
	for i, c := range s.Curvature {
		if !(c >= 0) {
			return fmt.Errorf("fitness: curvature[%d] = %v must be ≥ 0", i, c)
		}
	}
	if s.Kind == "output-rule" && s.Network.Scheme != plasticity.All {
		return fmt.Errorf("fitness: the output-rule landscape trains on every example (scheme %q, all_edges): network.scheme %q is not supported", plasticity.All, s.Network.Scheme)
	}
	if s.Kind == "output-rule" || s.Kind == "full-rule" {
		n := s.Network
		if n.Inputs == 0 && n.Labels == 0 { // the data set sets them
			n.Inputs, n.Labels = 1, 2
		}
		if err := n.Validate(); err != nil {
			return fmt.Errorf("fitness: network: %w", err)
		}
	}
	return s.Loss.Validate()
}

// Build makes the landscape.
func (s Spec) Build() (Landscape, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s = s.Defaults()
	if s.Kind == "quadratic" {
		return NewDiagQuadratic(s.Curvature, s.Optimum, 0), nil
	}
	if s.Kind == "full-rule" {
		return s.buildFullRule()
	}
	if s.Kind == "hebb" {
		return NewHebb(s.Hebb, s.Seed)
	}
	sp, err := dataset.Load(s.Dataset, &dataset.Options{Dir: s.DataDir, Seed: s.Seed, TrainSize: s.Batch, TestSize: 1})
	if err != nil {
		return nil, err
	}
	b := sp.Train
	switch s.Kind {
	case "output-rule":
		return NewOutputRule(s.Network, b, &OutputRuleSettings{Loss: s.Loss})
	}
	// linear-ce: a linear classifier whose weights are a random linear map of Y.
	rng := seed.New(s.Seed, seed.Rule, 0)
	md := b.Labels * b.Dim
	M := mat.NewDense(md, s.Dim, nil)
	for i := 0; i < md; i++ {
		for j := 0; j < s.Dim; j++ {
			M.Set(i, j, rng.NormFloat64()/math.Sqrt(float64(s.Dim)))
		}
	}
	return &LinearCE{X: b.Dense(), Labels: b.Y, M: M, Classes: b.Labels}, nil
}

// buildFullRule loads the training and test sets (the training set with
// the data seed, as evolve meta does) and, for a fixed batch, the batch
// of the earlier releases: the first Batch examples drawn with the seed.
func (s Spec) buildFullRule() (*FullRule, error) {
	size := s.TrainSize
	if size == 0 && (s.Dataset == "mnist" || s.Dataset == "fashion") {
		size = 10000
	}
	sp, err := dataset.Load(s.Dataset, &dataset.Options{Dir: s.DataDir, Seed: s.Seed, TrainSize: size, TestSize: s.TestSize})
	if err != nil {
		return nil, err
	}
	set := &FullRuleSettings{Graph: s.Graph, GraphHidden: s.GraphHidden, Loss: s.Loss, Stochastic: s.Stochastic, Batch: s.Batch, Seed: s.Seed, Train: sp.Train, Test: sp.Test}
	if s.Stochastic {
		return NewFullRule(s.Network, sp.Train, set)
	}
	b, err := dataset.Load(s.Dataset, &dataset.Options{Dir: s.DataDir, Seed: s.Seed, TrainSize: s.Batch, TestSize: 1})
	if err != nil {
		return nil, err
	}
	return NewFullRule(s.Network, b.Train, set)
}
