package plasticity

import (
	"encoding/json"
	"fmt"
	"io"
)

// RuleFormat names the rule file format, written in every rule file.
const RuleFormat = "evolve-rule/1"

// ruleFile is the JSON form of a rule, a small text file that a person can
// read and edit:
//
//	{
//	  "format": "evolve-rule/1",
//	  "kind": "output",            // "graph" or "output"
//	  "rounds": 1,                 // T
//	  "update": "additive",        // or "multiplicative"
//	  "table": [[-1, 1],           // one row per firing pattern, pattern 0 first;
//	            [ 1,-1]],          // graph: 2^T columns (post pattern), output: 2
//	  "mlp": {...},                // optional: hidden, w1, b1, w2, b2
//	  "comment": "free text"
//	}
//
// When "mlp" is present the table is recomputed from it on reading, and
// written only for the reader's information.
type ruleFile struct {
	Format  string      `json:"format"`
	Kind    Kind        `json:"kind"`
	Rounds  int         `json:"rounds"`
	Update  Update      `json:"update"`
	Table   [][]float64 `json:"table"`
	MLP     *MLP        `json:"mlp,omitempty"`
	Comment string      `json:"comment,omitempty"`
}

// WriteRule writes r in the rule file format.
func WriteRule(w io.Writer, r *Rule, comment string) error {
	if err := r.Validate(); err != nil {
		return err
	}
	f := ruleFile{Format: RuleFormat, Kind: r.Kind, Rounds: r.Rounds, Update: r.Update, MLP: r.MLP, Comment: comment}
	if f.Update == "" {
		f.Update = Additive
	}
	for p := 0; p < r.Rows(); p++ {
		f.Table = append(f.Table, append([]float64(nil), r.Table[p*r.Cols():(p+1)*r.Cols()]...))
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("plasticity: writing rule: %w", err)
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// ReadRule reads a rule in the rule file format. name is used in errors.
// Unknown fields are errors.
func ReadRule(r io.Reader, name string) (*Rule, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var f ruleFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("plasticity: rule file %s: %w", name, err)
	}
	if f.Format != RuleFormat {
		return nil, fmt.Errorf("plasticity: rule file %s: format %q expected, got %q", name, RuleFormat, f.Format)
	}
	rule := &Rule{Kind: f.Kind, Rounds: f.Rounds, Update: f.Update, MLP: f.MLP}
	if rule.Update == "" {
		rule.Update = Additive
	}
	if rule.Kind != GraphRule && rule.Kind != OutputRule {
		return nil, fmt.Errorf("plasticity: rule file %s: kind must be %q or %q, got %q", name, GraphRule, OutputRule, f.Kind)
	}
	if rule.Rounds < 1 || rule.Rounds > MaxRounds {
		return nil, fmt.Errorf("plasticity: rule file %s: rounds must be in [1, %d], got %d", name, MaxRounds, f.Rounds)
	}
	if rule.MLP == nil {
		if len(f.Table) != rule.Rows() {
			return nil, fmt.Errorf("plasticity: rule file %s: a %s rule with T=%d has %d table rows, got %d", name, rule.Kind, rule.Rounds, rule.Rows(), len(f.Table))
		}
		for p, row := range f.Table {
			if len(row) != rule.Cols() {
				return nil, fmt.Errorf("plasticity: rule file %s: table row %d has %d entries, want %d", name, p, len(row), rule.Cols())
			}
			rule.Table = append(rule.Table, row...)
		}
	}
	if err := rule.Validate(); err != nil {
		return nil, fmt.Errorf("rule file %s: %w", name, err)
	}
	return rule, nil
}
