package plasticity

import (
	"fmt"
	"math"
)

// Kind tells a graph rule from an output rule.
type Kind string

const (
	// GraphRule is a 2^T × 2^T table indexed [pre pattern][post pattern].
	GraphRule Kind = "graph"
	// OutputRule is a 2^T × 2 table indexed [pattern][column]; column 0
	// updates the edge to the true label, column 1 the edge to the predicted one.
	OutputRule Kind = "output"
)

// Update tells how a rule entry changes a weight.
type Update string

const (
	// Additive is w ← w + η r.
	Additive Update = "additive"
	// Multiplicative is w ← w (1 + η r).
	Multiplicative Update = "multiplicative"
)

// Rule is a plasticity rule: a table of updates indexed by firing patterns,
// parameterised either by the table itself or by an MLP.
type Rule struct {
	// Kind is GraphRule or OutputRule.
	Kind Kind
	// Rounds is T; the table has 2^T rows.
	Rounds int
	// Update is Additive or Multiplicative. If Update is "", Additive is used.
	Update Update
	// Table holds Rows()×Cols() entries, row-major [pattern][column]. When MLP
	// is set, Table is its evaluation (see Eval).
	Table []float64
	// MLP, when not nil, parameterises the table.
	MLP *MLP
}

// Rows returns 2^T.
func (r *Rule) Rows() int { return 1 << r.Rounds }

// Cols returns 2^T for a graph rule and 2 for an output rule.
func (r *Rule) Cols() int {
	if r.Kind == GraphRule {
		return 1 << r.Rounds
	}
	return 2
}

// Mult reports whether the rule is multiplicative.
func (r *Rule) Mult() bool { return r.Update == Multiplicative }

// At returns the entry for the given pattern and column.
func (r *Rule) At(pattern, col int) float64 { return r.Table[pattern*r.Cols()+col] }

// NewRule returns a zero additive table rule of the given kind.
func NewRule(kind Kind, rounds int) *Rule {
	r := &Rule{Kind: kind, Rounds: rounds, Update: Additive}
	r.Table = make([]float64, r.Rows()*r.Cols())
	return r
}

// Eval evaluates the MLP, if any, into Table.
func (r *Rule) Eval() {
	if r.MLP == nil {
		return
	}
	if len(r.Table) != r.Rows()*r.Cols() {
		r.Table = make([]float64, r.Rows()*r.Cols())
	}
	r.MLP.Table(r.Table, r.Kind, r.Rounds)
}

// Clone returns a deep copy.
func (r *Rule) Clone() *Rule {
	c := *r
	c.Table = append([]float64(nil), r.Table...)
	if r.MLP != nil {
		c.MLP = r.MLP.Clone()
	}
	return &c
}

// Validate checks the rule's shape and values.
func (r *Rule) Validate() error {
	if r.Kind != GraphRule && r.Kind != OutputRule {
		return fmt.Errorf("plasticity: rule kind must be %q or %q, got %q", GraphRule, OutputRule, r.Kind)
	}
	if r.Rounds < 1 || r.Rounds > MaxRounds {
		return fmt.Errorf("plasticity: %s rule: rounds must be in [1, %d], got %d", r.Kind, MaxRounds, r.Rounds)
	}
	if r.Update != "" && r.Update != Additive && r.Update != Multiplicative {
		return fmt.Errorf("plasticity: %s rule: update must be %q or %q, got %q", r.Kind, Additive, Multiplicative, r.Update)
	}
	if r.MLP != nil {
		if err := r.MLP.validate(r.Kind, r.Rounds); err != nil {
			return fmt.Errorf("plasticity: %s rule: %w", r.Kind, err)
		}
		r.Eval()
	}
	if len(r.Table) != r.Rows()*r.Cols() {
		return fmt.Errorf("plasticity: %s rule with T=%d needs %d×%d = %d entries, got %d",
			r.Kind, r.Rounds, r.Rows(), r.Cols(), r.Rows()*r.Cols(), len(r.Table))
	}
	for i, v := range r.Table {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("plasticity: %s rule: entry [%d][%d] is %v", r.Kind, i/r.Cols(), i%r.Cols(), v)
		}
	}
	return nil
}

// Perceptron returns the perceptron output rule of paper Table 1,
// generalised to T rounds by the last round (the one the output reads): a
// node that fired in round T strengthens its edge to the true label and
// weakens its edge to the predicted one, a silent node does the opposite.
// For T = 1 it is [[−1, +1], [+1, −1]] (pattern 0 first).
func Perceptron(rounds int) *Rule {
	r := NewRule(OutputRule, rounds)
	for s := 0; s < r.Rows(); s++ {
		sign := -1.0
		if s&1 == 1 {
			sign = 1
		}
		r.Table[2*s] = sign
		r.Table[2*s+1] = -sign
	}
	return r
}

// MultiplicativeWeights returns the multiplicative-weights (Winnow) output
// rule of paper Table 1: U[y][i] ← U[y][i](1+η) and U[ŷ][i] ← U[ŷ][i](1−η)
// for nodes that fired in the last round; silent nodes are unchanged.
func MultiplicativeWeights(rounds int) *Rule {
	r := NewRule(OutputRule, rounds)
	r.Update = Multiplicative
	for s := 0; s < r.Rows(); s++ {
		if s&1 == 1 {
			r.Table[2*s] = 1
			r.Table[2*s+1] = -1
		}
	}
	return r
}
