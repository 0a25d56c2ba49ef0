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
//	  "comment": "free text",
//	  "learned": {"recurrence": "paper", "rounds": 3,   // optional: the setting
//	              "scheme": "mistakes", "all_edges": false, // it was learned under
//	              "command": "meta"}                     // (see Origin)
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
	Learned *Origin     `json:"learned,omitempty"`
}

// Origin records the setting a rule was learned under (by evolve meta or
// the optimal-rule solver): the network's recurrence, its rounds T and its
// training scheme. The rule's own update (additive or multiplicative) is
// in the rule. A rule table means something only in the dynamics it was
// learned in: a T = 3 graph rule learned under the reference recurrence,
// where round 1 sees W = 0, trains a paper-recurrence network to below
// chance. Rule files written before this field have no Origin.
type Origin struct {
	Recurrence Recurrence `json:"recurrence"`
	Rounds     int        `json:"rounds"`
	Scheme     Scheme     `json:"scheme"`
	AllEdges   bool       `json:"all_edges"`
	// Command names the program that learned the rule, e.g. "meta".
	Command string `json:"command,omitempty"`
}

// OriginOf returns the Origin of a rule learned by command with a network
// of configuration c (defaults applied).
func OriginOf(c Config, command string) *Origin {
	c = c.Defaults()
	return &Origin{Recurrence: c.Recurrence, Rounds: c.Rounds, Scheme: c.Scheme, AllEdges: c.AllEdges, Command: command}
}

// Mismatch describes each way a network of configuration c differs from
// the setting o the rule was learned under, naming both values, e.g.
// "learned under the reference recurrence, used under the paper
// recurrence". It is empty when they agree or o is nil (unknown).
func (o *Origin) Mismatch(c Config) []string {
	if o == nil {
		return nil
	}
	c = c.Defaults()
	var d []string
	if o.Recurrence != "" && o.Recurrence != c.Recurrence {
		d = append(d, fmt.Sprintf("learned under the %s recurrence, used under the %s recurrence", o.Recurrence, c.Recurrence))
	}
	if o.Rounds != 0 && o.Rounds != c.Rounds {
		d = append(d, fmt.Sprintf("learned with T = %d rounds, used with T = %d", o.Rounds, c.Rounds))
	}
	if o.Scheme != "" && o.Scheme != c.Scheme {
		d = append(d, fmt.Sprintf("learned with scheme %s, used with scheme %s", o.Scheme, c.Scheme))
	}
	if o.Scheme != "" && o.AllEdges != c.AllEdges {
		d = append(d, fmt.Sprintf("learned with all_edges = %v, used with all_edges = %v", o.AllEdges, c.AllEdges))
	}
	return d
}

// WriteRule writes r in the rule file format.
func WriteRule(w io.Writer, r *Rule, comment string) error {
	return WriteRuleOrigin(w, r, comment, nil)
}

// WriteRuleOrigin writes r in the rule file format with the setting it was
// learned under (nil: none recorded).
func WriteRuleOrigin(w io.Writer, r *Rule, comment string, o *Origin) error {
	if err := r.Validate(); err != nil {
		return err
	}
	f := ruleFile{Format: RuleFormat, Kind: r.Kind, Rounds: r.Rounds, Update: r.Update, MLP: r.MLP, Comment: comment, Learned: o}
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
	rule, _, err := ReadRuleOrigin(r, name)
	return rule, err
}

// ReadRuleOrigin reads a rule in the rule file format and the setting it
// was learned under (nil if the file does not record one).
func ReadRuleOrigin(r io.Reader, name string) (*Rule, *Origin, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var f ruleFile
	if err := dec.Decode(&f); err != nil {
		return nil, nil, fmt.Errorf("plasticity: rule file %s: %w", name, err)
	}
	if f.Format != RuleFormat {
		return nil, nil, fmt.Errorf("plasticity: rule file %s: format %q expected, got %q", name, RuleFormat, f.Format)
	}
	rule := &Rule{Kind: f.Kind, Rounds: f.Rounds, Update: f.Update, MLP: f.MLP}
	if rule.Update == "" {
		rule.Update = Additive
	}
	if rule.Kind != GraphRule && rule.Kind != OutputRule {
		return nil, nil, fmt.Errorf("plasticity: rule file %s: kind must be %q or %q, got %q", name, GraphRule, OutputRule, f.Kind)
	}
	if rule.Rounds < 1 || rule.Rounds > MaxRounds {
		return nil, nil, fmt.Errorf("plasticity: rule file %s: rounds must be in [1, %d], got %d", name, MaxRounds, f.Rounds)
	}
	if rule.MLP == nil {
		if len(f.Table) != rule.Rows() {
			return nil, nil, fmt.Errorf("plasticity: rule file %s: a %s rule with T=%d has %d table rows, got %d", name, rule.Kind, rule.Rounds, rule.Rows(), len(f.Table))
		}
		for p, row := range f.Table {
			if len(row) != rule.Cols() {
				return nil, nil, fmt.Errorf("plasticity: rule file %s: table row %d has %d entries, want %d", name, p, len(row), rule.Cols())
			}
			rule.Table = append(rule.Table, row...)
		}
	}
	if err := rule.Validate(); err != nil {
		return nil, nil, fmt.Errorf("rule file %s: %w", name, err)
	}
	return rule, f.Learned, nil
}
