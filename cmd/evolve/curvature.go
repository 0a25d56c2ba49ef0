package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/curvature"
	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/experiments"
	"github.com/evolve-toolkit/evolve/fitness"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// curvatureConfig is the configuration of "evolve curvature", as read
// from a TOML file (--config) and overridden by flags.
type curvatureConfig struct {
	// Dataset is the data set of the loss; "" means the one the network
	// was trained on (network mode) or mnist (rule mode).
	Dataset string `toml:"dataset" json:"dataset"`
	// DataDir is the folder of the IDX files ("" means the default place).
	DataDir string `toml:"data_dir" json:"data_dir"`
	// Examples is the number of training examples of the loss (network
	// mode) or the size of the fixed batch (rule mode).
	Examples int `toml:"examples" json:"examples"`
	// Block is the weight block of a network: all, output or graph.
	Block string `toml:"block" json:"block"`
	// Loss is ce or mse.
	Loss plasticity.Loss `toml:"loss" json:"loss"`
	// LR is the step size η of plain gradient descent on this loss, for
	// 2/η; 0 means none given.
	LR float64 `toml:"lr" json:"lr"`
	// Parts is the number of parts the examples are split into for
	// parallel evaluation (the result does not depend on the number of
	// cores).
	Parts int `toml:"parts" json:"parts"`
	// Curvature configures Lanczos and Hutchinson.
	Curvature experiments.CurvatureConfig `toml:"curvature" json:"curvature"`
	// Rule mode: rule files and the network they train.
	OutputRule string            `toml:"output_rule" json:"output_rule,omitempty"`
	GraphRule  string            `toml:"graph_rule" json:"graph_rule,omitempty"`
	Network    plasticity.Config `toml:"network" json:"network"`
}

func defaultCurvatureConfig() curvatureConfig {
	return curvatureConfig{
		Examples:  256,
		Block:     experiments.BlockAll,
		Loss:      plasticity.CrossEntropy,
		Parts:     8,
		Curvature: experiments.CurvatureConfig{Lanczos: 20, Probes: 20, Seed: 1}.Defaults(),
		Network:   plasticity.Config{Seed: 1},
	}
}

func curvatureCommand() *cli.Command {
	def := defaultCurvatureConfig()
	flags := []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "TOML config file (flags override it)"},
		printConfigFlag,
		&cli.StringFlag{Name: "dataset", Aliases: []string{"d"}, Usage: "data set of the loss (default: the network's; rule mode: mnist)"},
		&cli.StringFlag{Name: "data-dir", Usage: "folder of the IDX files for mnist/fashion"},
		&cli.IntFlag{Name: "examples", Aliases: []string{"n"}, Value: def.Examples, Usage: "training examples of the loss (rule mode: the batch size)"},
		&cli.StringFlag{Name: "block", Value: def.Block, Usage: "network weights: 'all' (output and graph), 'output' (U) or 'graph' (W)"},
		&cli.StringFlag{Name: "loss", Value: string(def.Loss), Usage: "'ce' or 'mse'"},
		&cli.Float64Flag{Name: "lr", Usage: "step size η of plain gradient descent on this loss: prints 2/η"},
		&cli.IntFlag{Name: "lanczos", Value: def.Curvature.Lanczos, Usage: "Lanczos steps (Krylov dimension)"},
		&cli.IntFlag{Name: "ritz", Value: def.Curvature.Ritz, Usage: "Ritz values kept at each end of the spectrum"},
		&cli.IntFlag{Name: "probes", Value: def.Curvature.Probes, Usage: "Hutchinson probes for the trace (negative: no trace)"},
		&cli.Uint64Flag{Name: "curvature-seed", Value: def.Curvature.Seed, Usage: "seed of the Lanczos start and the probes"},
		&cli.IntFlag{Name: "parts", Value: def.Parts, Usage: "parts of the examples evaluated in parallel"},
		&cli.StringFlag{Name: "output-rule", Usage: "rule mode: output rule file (additive or multiplicative, table or MLP)"},
		&cli.StringFlag{Name: "graph-rule", Usage: "rule mode: graph rule file (additive or multiplicative, table or MLP)"},
		&cli.StringFlag{Name: "out", Usage: "folder for curvature.csv, ritz.csv, ritz.png/svg and meta.json (default: runs/curvature-YYYYMMDD-HHMMSS-xxxxxx)"},
		&cli.BoolFlag{Name: "force", Usage: "overwrite a finished result in --out"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"},
	}
	flags = append(flags, networkFlags(plasticity.Config{Seed: 1}.Defaults())...)
	return &cli.Command{
		Name:      "curvature",
		Usage:     "Hessian spectrum (λ_top, λ_min, trace) of a network's loss or of the meta-loss at a rule",
		ArgsUsage: "[flags] NETWORK.npz | --output-rule FILE [--graph-rule FILE]",
		Description: `Network mode (a network file written by evolve train, baseline or meta with --out):
the Hessian of the mean classification loss on --examples training images (a seeded
choice) with respect to the output weights U and graph weights W (--block), with the
cap masks fixed at the trained weights (SPEC §11). Input weights are not included.

Rule mode (--output-rule and optionally --graph-rule, rule files): the Hessian of the
meta-loss (SPEC §3, §12): a network built from the network flags is trained on a fixed
batch of --examples training examples with the rules and the loss is measured on the
batch; patterns, predictions and the mistake gate are held fixed. The parameters are
the graph rule's then the output rule's: for additive table rules the table entries
(the full-rule landscape L(Y)); for multiplicative rules the table entries (the
weights are products of 1 + ηR); for MLP rules the MLP's weights (w1, b1, w2, b2),
as the meta-learner learns them.

Both Hessian–vector products are exact (Pearlmutter's R-operator). Lanczos with full
re-orthogonalisation gives both ends of the spectrum (λ_top, λ_min and --ritz Ritz
values each); Hutchinson's estimator (Rademacher probes) the trace with its standard
error. 2/η, the largest curvature plain gradient descent with step η can stay at, is
printed when --lr gives η: neither the rules' η nor Adam's learning rate is such a step
(Adam's stability threshold is on its preconditioned Hessian).

--out (default: a new folder runs/curvature-YYYYMMDD-HHMMSS-xxxxxx, printed on stderr;
a finished result there is an error unless --force) gets curvature.csv (one row), ritz.csv (every Ritz value kept with its
residual), ritz.png and ritz.svg (the Ritz values by rank, with 2/η) and meta.json
(config, seeds, timings). Progress goes to stderr.`,
		Flags:  flags,
		Action: runCurvature,
	}
}

func runCurvature(c *cli.Context) (err error) {
	cfg := defaultCurvatureConfig()
	if err := applyConfigFile(c, &cfg); err != nil {
		return err
	}
	if c.IsSet("dataset") {
		cfg.Dataset = c.String("dataset")
	}
	if c.IsSet("data-dir") {
		cfg.DataDir = c.String("data-dir")
	}
	if c.IsSet("examples") {
		cfg.Examples = c.Int("examples")
	}
	if c.IsSet("block") {
		cfg.Block = c.String("block")
	}
	if c.IsSet("loss") {
		cfg.Loss = plasticity.Loss(c.String("loss"))
	}
	if c.IsSet("lr") {
		cfg.LR = c.Float64("lr")
	}
	if c.IsSet("lanczos") {
		cfg.Curvature.Lanczos = c.Int("lanczos")
	}
	if c.IsSet("ritz") {
		cfg.Curvature.Ritz = c.Int("ritz")
	}
	if c.IsSet("probes") {
		cfg.Curvature.Probes = c.Int("probes")
	}
	if c.IsSet("curvature-seed") {
		cfg.Curvature.Seed = c.Uint64("curvature-seed")
	}
	if c.IsSet("parts") {
		cfg.Parts = c.Int("parts")
	}
	if c.IsSet("output-rule") {
		cfg.OutputRule = c.String("output-rule")
	}
	if c.IsSet("graph-rule") {
		cfg.GraphRule = c.String("graph-rule")
	}
	// The rule-mode network flags: an explicit 0 is an error, never the
	// default (before, --nodes 0 gave 1000 nodes).
	for _, name := range []string{"nodes", "cap", "rounds", "p", "eta", "epochs"} {
		// c.Int of a float flag and c.Float64 of an int flag are 0, so
		// this is "the value given is 0" for either kind.
		if c.IsSet(name) && c.Float64(name) == 0 && c.Int(name) == 0 {
			return fmt.Errorf("curvature: --%s 0 is not a valid value (leave it out for the default)", name)
		}
	}
	applyNetworkFlags(c, &cfg.Network)
	if cfg.Examples < 1 {
		return fmt.Errorf("curvature: --examples must be positive, got %d", cfg.Examples)
	}
	if cfg.Parts < 1 {
		return fmt.Errorf("curvature: --parts must be positive, got %d", cfg.Parts)
	}
	if math.IsNaN(cfg.LR) || math.IsInf(cfg.LR, 0) || cfg.LR < 0 || (c.IsSet("lr") && cfg.LR == 0) {
		return fmt.Errorf("curvature: --lr must be positive and finite, got %v", cfg.LR)
	}
	if err := cfg.Loss.Validate(); err != nil {
		return fmt.Errorf("curvature: %w", err)
	}
	// An explicit 0 is rejected by Validate, not replaced by a default.
	if cfg.Curvature.Lanczos == 0 || cfg.Curvature.Ritz == 0 || cfg.Curvature.Probes == 0 {
		return fmt.Errorf("curvature: lanczos, ritz and probes must not be 0")
	}
	if err := cfg.Curvature.Validate(); err != nil {
		return err
	}
	if c.Bool("print-config") {
		return printConfig(c, cfg)
	}
	args := c.Args().Slice()
	ruleMode := cfg.OutputRule != "" || cfg.GraphRule != ""
	switch {
	case ruleMode && len(args) > 0:
		return fmt.Errorf("curvature: give a network file or rule files, not both (got %q and rules)", args[0])
	case !ruleMode && len(args) != 1:
		return fmt.Errorf("curvature: give one network file (written by evolve train --out) or --output-rule/--graph-rule; got %d arguments", len(args))
	}
	out := commandOut(c, "curvature")
	od, err := checkOut(out, "curvature.csv", c.Bool("force"))
	if err != nil {
		return fmt.Errorf("curvature: %w", err)
	}
	defer func() {
		if err != nil {
			od.Discard() // a failure leaves no half-made folder
		}
	}()
	stderr, stdout := c.App.ErrWriter, c.App.Writer
	t0 := time.Now()
	var (
		h     curvature.Operator
		desc  string
		extra = map[string]any{}
	)
	if ruleMode {
		h, desc, err = ruleHessian(&cfg, extra, stderr)
	} else {
		h, desc, err = networkHessian(&cfg, args[0], extra)
	}
	if err != nil {
		return err
	}
	tSetup := time.Since(t0)
	bar := newProgress(stderr, min(cfg.Curvature.Lanczos, h.Len())+max(cfg.Curvature.Probes, 0), "curvature (Hessian–vector products)", c.Bool("quiet"))
	res, err := experiments.MeasureCurvature(h, cfg.Curvature, func(done, _ int) { bar.Set(done, "") })
	bar.Done()
	if err != nil {
		return fmt.Errorf("curvature: %w", err)
	}
	fmt.Fprintln(stdout, desc)
	fmt.Fprintf(stdout, "parameters  %d\n", res.Params)
	conv := "converged"
	if !res.Converged {
		conv = fmt.Sprintf("not converged to tol %g", cfg.Curvature.Tol)
	}
	fmt.Fprintf(stdout, "λ_top       %.6g (residual %.2g)\n", res.LambdaTop(), res.TopResiduals[0])
	fmt.Fprintf(stdout, "λ_min       %.6g (residual %.2g)\n", res.LambdaMin(), res.BottomResiduals[0])
	fmt.Fprintf(stdout, "lanczos     %d steps, %s\n", res.Iterations, conv)
	if res.Probes > 0 {
		fmt.Fprintf(stdout, "trace       %.6g ± %.2g (Hutchinson, %d probes, ± one standard error)\n", res.Trace, res.TraceSE, res.Probes)
	}
	twoOverEta := math.NaN()
	if cfg.LR > 0 {
		twoOverEta = curvature.StabilityThreshold(cfg.LR)
		fmt.Fprintf(stdout, "2/η         %.6g (η = %g; λ_top/(2/η) = %.3g)\n", twoOverEta, cfg.LR, res.LambdaTop()/twoOverEta)
	}
	fmt.Fprintf(stdout, "time        %.1fs setup, %.1fs for %d Hessian–vector products\n", tSetup.Seconds(), res.Seconds, res.Products)
	if err := od.Make(); err != nil { // only now: a run stopped earlier leaves no folder
		return err
	}
	mode := "network"
	if ruleMode {
		mode = "rule"
	}
	if err := writeCSV(outPath(out, "curvature.csv"),
		[]string{"mode", "block", "params", "examples", "lambda_top", "lambda_min", "trace", "trace_se", "probes", "lanczos_steps", "converged", "two_over_eta", "seconds"},
		[][]string{{mode, cfg.Block, strconv.Itoa(res.Params), strconv.Itoa(cfg.Examples), ftoa(res.LambdaTop()), ftoa(res.LambdaMin()),
			csvNum(res.Trace), csvNum(res.TraceSE), strconv.Itoa(res.Probes), strconv.Itoa(res.Iterations), strconv.FormatBool(res.Converged),
			csvNum(twoOverEta), ftoa(res.Seconds)}}); err != nil {
		return err
	}
	var rows [][]string
	for i, v := range res.Top {
		rows = append(rows, []string{"top", strconv.Itoa(i + 1), ftoa(v), ftoa(res.TopResiduals[i])})
	}
	for i, v := range res.Bottom {
		rows = append(rows, []string{"bottom", strconv.Itoa(i + 1), ftoa(v), ftoa(res.BottomResiduals[i])})
	}
	if err := writeCSV(outPath(out, "ritz.csv"), []string{"end", "rank", "value", "residual"}, rows); err != nil {
		return err
	}
	if err := plotRitz(outPath(out, "ritz"), res, twoOverEta); err != nil {
		return err
	}
	extra["command"] = "curvature"
	extra["version"] = buildVersion()
	extra["config"] = cfg
	extra["mode"] = mode
	extra["result"] = jsonSafe(res)
	extra["timings_seconds"] = map[string]float64{"setup": tSetup.Seconds(), "measure": res.Seconds, "total": time.Since(t0).Seconds()}
	if err := writeJSON(outPath(out, "meta.json"), extra); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s\n", out)
	return nil
}

// csvNum formats a number, NaN as an empty field.
func csvNum(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return ftoa(v)
}

// jsonSafe turns a result into JSON-encodable form (NaN → null).
func jsonSafe(res *experiments.Curvature) map[string]any {
	b, _ := json.Marshal(struct {
		*experiments.Curvature
		Trace   *float64 `json:"trace"`
		TraceSE *float64 `json:"trace_se"`
	}{Curvature: res, Trace: finite(res.Trace), TraceSE: finite(res.TraceSE)})
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// networkHessian loads a network and its data and returns the Hessian
// of its loss on the chosen weight block.
func networkHessian(cfg *curvatureConfig, file string, extra map[string]any) (curvature.Operator, string, error) {
	s, err := loadNetwork(file)
	if err != nil {
		return nil, "", err
	}
	nc := s.Network.Config()
	if cfg.Dataset == "" {
		cfg.Dataset = s.Provenance.Dataset
		if cfg.Dataset == "" {
			cfg.Dataset = "mnist"
		}
	}
	data, err := dataset.Load(cfg.Dataset, &dataset.Options{Dir: cfg.DataDir, Seed: nc.Seed, TrainSize: cfg.Examples, TestSize: 1})
	if err != nil {
		return nil, "", err
	}
	h, err := experiments.NetworkHessian(s.Network, data.Train, cfg.Loss, cfg.Block, cfg.Parts)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", file, err)
	}
	if cfg.LR == 0 && (s.Provenance.Method == "gd-output" || s.Provenance.Method == "gd-full") {
		var gd plasticity.GDConfig
		if json.Unmarshal(s.Provenance.Details, &gd) == nil && gd.LR > 0 {
			extra["training_lr_note"] = fmt.Sprintf("trained by Adam with lr %g; Adam has no 2/η threshold on this Hessian", gd.LR)
		}
	}
	extra["network"] = file
	extra["network_config"] = nc
	extra["provenance"] = s.Provenance
	desc := fmt.Sprintf("network     %s: |V|=%d k=%d T=%d, trained by %s on %s; loss %s on %d training examples of %s, block %s",
		file, nc.Nodes, nc.Cap, nc.Rounds, orNone(s.Provenance.Method), orNone(s.Provenance.Dataset), cfg.Loss, data.Train.Len(), cfg.Dataset, cfg.Block)
	return h, desc, nil
}

// ruleHessian builds the full-rule landscape of the rule files and
// returns the Hessian of the meta-loss at the rules.
func ruleHessian(cfg *curvatureConfig, extra map[string]any, stderr io.Writer) (curvature.Operator, string, error) {
	if cfg.OutputRule == "" {
		return nil, "", fmt.Errorf("curvature: rule mode needs --output-rule (the full-rule landscape always holds the output rule)")
	}
	out, outOrigin, err := loadRuleOfKind(cfg.OutputRule, plasticity.OutputRule, "--output-rule")
	if err != nil {
		return nil, "", err
	}
	var graph *plasticity.Rule
	var graphOrigin *plasticity.Origin
	if cfg.GraphRule != "" {
		if graph, graphOrigin, err = loadRuleOfKind(cfg.GraphRule, plasticity.GraphRule, "--graph-rule"); err != nil {
			return nil, "", err
		}
	}
	if cfg.Network.Rounds == 0 {
		cfg.Network.Rounds = out.Rounds
	}
	// A rule measured outside the setting it was learned in (issue 15).
	warnOrigin(stderr, "curvature", "output rule", cfg.OutputRule, outOrigin, cfg.Network)
	warnOrigin(stderr, "curvature", "graph rule", cfg.GraphRule, graphOrigin, cfg.Network)
	// Additive table rules are points of the full-rule landscape; a
	// multiplicative or MLP rule is differentiated with respect to the
	// parameters the meta-learner learns (table entries or MLP weights).
	landscape := true
	for _, r := range []*plasticity.Rule{out, graph} {
		if r == nil {
			continue
		}
		if r.Rounds != cfg.Network.Rounds {
			return nil, "", fmt.Errorf("curvature: the %s rule is for T=%d rounds but --rounds is %d", r.Kind, r.Rounds, cfg.Network.Rounds)
		}
		if r.Mult() || r.MLP != nil {
			landscape = false
		}
	}
	if graph != nil && cfg.Network.Rounds < 2 {
		return nil, "", fmt.Errorf("curvature: a graph rule needs --rounds ≥ 2")
	}
	if cfg.Dataset == "" {
		cfg.Dataset = "mnist"
	}
	data, err := dataset.Load(cfg.Dataset, &dataset.Options{Dir: cfg.DataDir, Seed: cfg.Network.Seed, TrainSize: cfg.Examples, TestSize: 1})
	if err != nil {
		return nil, "", err
	}
	var h *plasticity.RuleHessian
	if landscape {
		f, err := fitness.NewFullRule(cfg.Network, data.Train, &fitness.FullRuleSettings{Graph: graph != nil, Loss: cfg.Loss})
		if err != nil {
			return nil, "", err
		}
		y := make([]float64, f.Dim())
		if graph != nil {
			copy(y, graph.Table)
		}
		copy(y[f.GraphEntries():], out.Table)
		if h, err = f.Hessian(y); err != nil {
			return nil, "", err
		}
		extra["parameters"] = "rule table entries (graph first), the full-rule landscape's coefficients"
	} else {
		// The network the full-rule landscape trains (same stream).
		nc := cfg.Network
		nc.Inputs, nc.Labels = data.Train.Dim, data.Train.Labels
		if err := nc.Validate(); err != nil {
			return nil, "", err
		}
		net, err := plasticity.New(nc.Defaults(), seed.PCG(nc.Seed, seed.Network, 0))
		if err != nil {
			return nil, "", err
		}
		if h, err = plasticity.NewRuleParamHessian(net, plasticity.Rules{Graph: graph, Output: out}, data.Train, cfg.Loss); err != nil {
			return nil, "", fmt.Errorf("curvature: %w", err)
		}
		extra["parameters"] = "the meta-learner's rule parameters (graph rule first): table entries, or MLP weights w1, b1, w2, b2"
	}
	l, acc := h.Loss()
	extra["batch_loss"], extra["batch_accuracy"], extra["updates"] = l, acc, h.Updates()
	nc := cfg.Network.Defaults()
	desc := fmt.Sprintf("meta-loss   rules %s%s on |V|=%d k=%d T=%d η=%g, fixed batch of %d %s examples: loss %.4g, accuracy %.3f, %d updates",
		cfg.OutputRule, map[bool]string{true: " + " + cfg.GraphRule, false: ""}[graph != nil],
		nc.Nodes, nc.Cap, nc.Rounds, nc.Eta, data.Train.Len(), cfg.Dataset, l, acc, h.Updates())
	return h, desc, nil
}

// plotRitz draws the Ritz values by rank, both ends, with 2/η and the
// mean eigenvalue as guide lines.
func plotRitz(base string, res *experiments.Curvature, twoOverEta float64) error {
	top, bottom := make(plotter.XYs, len(res.Top)), make(plotter.XYs, len(res.Bottom))
	for i, v := range res.Top {
		top[i] = plotter.XY{X: float64(i + 1), Y: v}
	}
	for i, v := range res.Bottom {
		bottom[i] = plotter.XY{X: float64(i + 1), Y: v}
	}
	cs := []output.Curve{{Name: "largest (λ_top first)", XY: top}, {Name: "smallest (λ_min first)", XY: bottom}}
	n := float64(max(len(res.Top), 2))
	title := "Hessian spectrum: Lanczos Ritz values at both ends"
	if !math.IsNaN(twoOverEta) {
		// 2/η far above the spectrum would flatten it: name it instead.
		if twoOverEta <= 3*math.Abs(res.Top[0]) {
			cs = append(cs, output.Curve{Name: "2/η", XY: plotter.XYs{{X: 1, Y: twoOverEta}, {X: n, Y: twoOverEta}}, Dashed: true})
		} else {
			title += fmt.Sprintf(" (2/η = %.3g, off scale)", twoOverEta)
		}
	}
	if !math.IsNaN(res.Trace) {
		m := res.Trace / float64(res.Params)
		cs = append(cs, output.Curve{Name: "mean eigenvalue (trace / parameters)", XY: plotter.XYs{{X: 1, Y: m}, {X: n, Y: m}}, Dashed: true})
	}
	lp, err := output.LinePlot(title, "rank (1 = most extreme)", "eigenvalue", cs, false, false)
	if err != nil {
		return err
	}
	// Room above the data for the legend.
	lo, hi := lp.Y.Min, lp.Y.Max
	lp.Y.Max = hi + 0.45*(hi-lo)
	for _, c := range cs[:2] {
		s, err := plotter.NewScatter(c.XY)
		if err != nil {
			return err
		}
		lp.Add(s)
	}
	return output.SavePlots(base, []*plot.Plot{lp}, 1, 1, 16*vg.Centimeter, 11*vg.Centimeter)
}
