package experiments

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
	"github.com/evolve-toolkit/evolve/sim"
)

// pointConfig is the configuration of one point of a sweep.
type pointConfig interface {
	defaults()
	seed() uint64
	setDataDir(string)
	// validate checks the point; it returns warnings about what is
	// valid but suspect.
	validate(dir string) ([]string, error)
	columns() []string
	effective() any
	run(dir string) ([]float64, error)
}

type trainPoint struct{ cfg TrainConfig }

func (p *trainPoint) defaults() {
	if p.cfg.Dataset == "" {
		p.cfg.Dataset = "mnist"
	}
	if p.cfg.OutputRule == "" {
		p.cfg.OutputRule = "perceptron"
	}
	if p.cfg.Eval == "" {
		p.cfg.Eval = plasticity.Exact
	}
	p.cfg.DataConfig = p.cfg.DataConfig.WithDefaults()
	p.cfg.Network = p.cfg.Network.Defaults()
}
func (p *trainPoint) seed() uint64        { return p.cfg.Network.Seed }
func (p *trainPoint) setDataDir(d string) { p.cfg.DataDir = d }
func (p *trainPoint) effective() any      { return p.cfg }
func (p *trainPoint) columns() []string {
	return []string{"train_accuracy", "test_accuracy", "updates"}
}

func (p *trainPoint) validate(dir string) ([]string, error) {
	c := p.cfg
	if !slices.Contains(dataset.Names(), c.Dataset) {
		return nil, fmt.Errorf("unknown data set %q; valid names: %s", c.Dataset, strings.Join(dataset.Names(), ", "))
	}
	if c.TrainSize < 0 || c.TestSize < 0 {
		return nil, fmt.Errorf("train_size (%d) and test_size (%d) must not be negative", c.TrainSize, c.TestSize)
	}
	if c.Eval != plasticity.Exact && c.Eval != plasticity.Fast {
		return nil, fmt.Errorf("eval %q: want %q or %q", c.Eval, plasticity.Exact, plasticity.Fast)
	}
	n := c.Network
	// The data set sets the dimensions; placeholders let Validate check the rest.
	n.Inputs, n.Labels = 1, 2
	if err := n.Validate(); err != nil {
		return nil, err
	}
	_, warns, err := p.rules(dir)
	return warns, err
}

// rules reads the point's rules. A rule file that records the setting it
// was learned under (plasticity.Origin) and disagrees with the point's
// network gives a warning naming both, as evolve train does.
func (p *trainPoint) rules(dir string) (plasticity.Rules, []string, error) {
	var r plasticity.Rules
	var warns []string
	rounds := p.cfg.Network.Rounds
	read := func(key, spec string, kind plasticity.Kind) (*plasticity.Rule, error) {
		rule, origin, err := readRule(dir, spec, kind)
		if d := origin.Mismatch(p.cfg.Network); err == nil && len(d) > 0 {
			warns = append(warns, fmt.Sprintf("warning: %s %s was %s (a rule used outside the setting it was learned in usually trains far worse, often below chance)",
				key, spec, strings.Join(d, "; ")))
		}
		return rule, err
	}
	var err error
	switch spec := p.cfg.OutputRule; spec {
	case "perceptron":
		r.Output = plasticity.Perceptron(rounds)
	case "mw", "multiplicative-weights":
		r.Output = plasticity.MultiplicativeWeights(rounds)
	case "none":
	default:
		if r.Output, err = read("output_rule", spec, plasticity.OutputRule); err != nil {
			return r, nil, err
		}
	}
	if spec := p.cfg.GraphRule; spec != "" && spec != "none" {
		if r.Graph, err = read("graph_rule", spec, plasticity.GraphRule); err != nil {
			return r, nil, err
		}
	}
	if r.Output == nil && r.Graph == nil {
		return r, nil, errors.New(`no rule to train with (output_rule = "none" and no graph_rule)`)
	}
	for _, rule := range []*plasticity.Rule{r.Output, r.Graph} {
		if rule != nil && rule.Rounds != rounds {
			return r, nil, fmt.Errorf("the %s rule is for T=%d rounds but network.rounds is %d", rule.Kind, rule.Rounds, rounds)
		}
	}
	return r, warns, nil
}

// readRule reads a rule file of kind want and the setting it records it
// was learned under (nil if none).
func readRule(dir, path string, want plasticity.Kind) (*plasticity.Rule, *plasticity.Origin, error) {
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	f, err := os.Open(path)
	if err != nil {
		if want == plasticity.OutputRule && errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("output_rule: neither a built-in rule (perceptron, mw, none) nor a rule file: %w", err)
		}
		return nil, nil, err
	}
	defer f.Close()
	r, o, err := plasticity.ReadRuleOrigin(f, path)
	if err == nil && r.Kind != want {
		return nil, nil, fmt.Errorf("%s: holds a rule of kind %q, but the %s_rule must be of kind %q", path, r.Kind, want, want)
	}
	return r, o, err
}

// pointList names points for a message: "point 3", "points 0, 1 and 2",
// or the first few and the count.
func pointList(pts []int) string {
	if len(pts) == 1 {
		return fmt.Sprintf("point %d", pts[0])
	}
	s := make([]string, 0, 4)
	for _, i := range pts[:min(len(pts), 3)] {
		s = append(s, strconv.Itoa(i))
	}
	if len(pts) > 4 {
		return fmt.Sprintf("points %s, … (%d points)", strings.Join(s, ", "), len(pts))
	}
	if len(pts) == 4 {
		s = append(s, strconv.Itoa(pts[3]))
	}
	return fmt.Sprintf("points %s and %s", strings.Join(s[:len(s)-1], ", "), s[len(s)-1])
}

// run trains the network as "evolve train" does, with the same seeds, and
// returns its train and test accuracy and the number of updates.
func (p *trainPoint) run(dir string) ([]float64, error) {
	c := p.cfg
	data, err := c.Load(c.Network.Seed)
	if err != nil {
		return nil, err
	}
	c.Network.Inputs, c.Network.Labels = data.Train.Dim, data.Train.Labels
	rules, _, err := p.rules(dir)
	if err != nil {
		return nil, err
	}
	net, err := plasticity.New(c.Network, seed.PCG(c.Network.Seed, seed.Network, 0))
	if err != nil {
		return nil, err
	}
	res, err := plasticity.Train(net, rules, data.Train, nil)
	if err != nil {
		return nil, err
	}
	es := &plasticity.EvalSettings{Precision: c.Eval}
	return []float64{
		plasticity.EvaluateWith(net, data.Train, es).Accuracy,
		plasticity.EvaluateWith(net, data.Test, es).Accuracy,
		float64(res.Updates),
	}, nil
}

type runPoint struct{ cfg sim.Config }

func (p *runPoint) defaults()           { p.cfg = p.cfg.Defaults() }
func (p *runPoint) seed() uint64        { return p.cfg.Seed }
func (p *runPoint) setDataDir(d string) { p.cfg.Landscape.DataDir = d }
func (p *runPoint) effective() any      { return p.cfg }

// columns are the final loss L(Ȳ) of every run, in the order of sim.Run.
func (p *runPoint) columns() []string {
	var cols []string
	for _, r := range slices.Concat(p.cfg.Runs.Evolution, p.cfg.Runs.Gradient) {
		cols = append(cols, "loss_"+r)
	}
	return cols
}

func (p *runPoint) validate(string) ([]string, error) {
	if err := p.cfg.Validate(); err != nil {
		return nil, err
	}
	if k := p.cfg.Landscape.Kind; k != "quadratic" && !slices.Contains(dataset.Names(), p.cfg.Landscape.Dataset) {
		return nil, fmt.Errorf("landscape: unknown data set %q; valid names: %s", p.cfg.Landscape.Dataset, strings.Join(dataset.Names(), ", "))
	}
	cols := p.columns()
	for i, c := range cols {
		if slices.Contains(cols[:i], c) {
			return nil, fmt.Errorf("runs: %s appears twice", strings.TrimPrefix(c, "loss_"))
		}
	}
	return nil, nil
}

// run runs the comparison as "evolve run" does and returns the final
// loss of every run.
func (p *runPoint) run(string) ([]float64, error) {
	land, err := p.cfg.Landscape.Build()
	if err != nil {
		return nil, err
	}
	cfg := p.cfg
	cfg.Runs.CheckpointEvery, cfg.Runs.CheckpointSeconds = -1, 0
	res, err := sim.Run(cfg, land, nil)
	if err != nil {
		return nil, err
	}
	final := res.Final()
	out := make([]float64, len(final))
	for i, o := range final {
		if o.Run != res.Runs[i] || "loss_"+o.Run != p.columns()[i] {
			return nil, fmt.Errorf("run %q where %s was expected", o.Run, p.columns()[i])
		}
		out[i] = o.Loss
	}
	return out, nil
}
