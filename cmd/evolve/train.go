package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/experiments"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/internal/userconf"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// trainConfig is the configuration of "evolve train", as read from a TOML
// file (--config) and overridden by flags. It is shared with the "train"
// points of sweeps.
type trainConfig = experiments.TrainConfig

// defaultTrainConfig returns the defaults before a config file: the
// paper's Table 2 setting (2 epochs); the network's zero fields take the
// plasticity defaults after the file and the flags are applied, so that
// a file setting only nodes gets cap = nodes/2.
func defaultTrainConfig() trainConfig { return experiments.DefaultTrainConfig() }

// networkFlags are the flags shared by the commands that build a network.
func networkFlags(def plasticity.Config) []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "nodes", Value: def.Nodes, Usage: "number of graph nodes |V|"},
		&cli.IntFlag{Name: "cap", Value: def.Cap, Usage: "cap k: nodes that fire each round (default |V|/2)"},
		&cli.IntFlag{Name: "rounds", Aliases: []string{"T"}, Value: def.Rounds, Usage: "rounds T"},
		&cli.Float64Flag{Name: "p", Value: def.P, Usage: "edge probability of the input mask and the graph"},
		&cli.Float64Flag{Name: "eta", Value: def.Eta, Usage: "step size η of the rules"},
		&cli.IntFlag{Name: "epochs", Value: def.Epochs, Usage: "passes over the training set"},
		&cli.StringFlag{Name: "scheme", Value: string(def.Scheme), Usage: "update on 'mistakes' or on 'all' examples"},
		&cli.BoolFlag{Name: "all-edges", Usage: "apply output-rule column 1 to every wrong label"},
		&cli.BoolFlag{Name: "input-ones", Usage: "input weights all 1 instead of N(0,1)"},
		&cli.StringFlag{Name: "recurrence", Value: string(def.Recurrence), Usage: "'paper' or 'reference' recurrence for rounds t ≥ 2"},
		&cli.Uint64Flag{Name: "seed", Value: def.Seed, Usage: "seed of masks, weights, data and order"},
	}
}

// networkBinds ties networkFlags to the keys of a config whose network
// sits under prefix ("network." for train, meta and baseline).
func networkBinds(prefix string) []bind {
	var bs []bind
	for _, b := range []bind{{"nodes", "nodes"}, {"cap", "cap"}, {"rounds", "rounds"}, {"p", "p"}, {"eta", "eta"}, {"epochs", "epochs"},
		{"scheme", "scheme"}, {"all-edges", "all_edges"}, {"input-ones", "input_ones"}, {"recurrence", "recurrence"}, {"seed", "seed"}} {
		bs = append(bs, bind{b.flag, prefix + b.key})
	}
	return bs
}

// dataBinds ties dataFlags to the keys of experiments.DataConfig (at the top level).
var dataBinds = []bind{{"dataset", "dataset"}, {"data-dir", "data_dir"}, {"train-size", "train_size"}, {"test-size", "test_size"}}

// fromData drops inputs = 0 and labels = 0 (as printed by --print-config)
// from the given values: 0 there means "from the data set". A non-zero
// value that differs from the data set's stays an error.
func fromData(g userconf.Given, prefix string, n plasticity.Config) {
	if n.Inputs == 0 {
		delete(g, prefix+"inputs")
	}
	if n.Labels == 0 {
		delete(g, prefix+"labels")
	}
}

// capFollowsNodes leaves the cap of a network whose nodes the user changed
// (and whose cap the user did not give) to the default, nodes/2.
func capFollowsNodes(g userconf.Given, prefix string, n *plasticity.Config) {
	if _, ok := g[prefix+"nodes"]; ok {
		if _, ok := g[prefix+"cap"]; !ok {
			n.Cap = 0
		}
	}
}

func dataFlags(def experiments.DataConfig) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "dataset", Aliases: []string{"d"}, Value: def.Dataset, Usage: "data set: " + strings.Join(dataset.Names(), ", ")},
		&cli.StringFlag{Name: "data-dir", Usage: "folder of the IDX files for mnist/fashion (default: the GoMNIST module, /usr/share/datasets/fashion-mnist)"},
		&cli.IntFlag{Name: "train-size", Value: def.TrainSize, Usage: "training examples (default: all; mnist/fashion: 10000)"},
		&cli.IntFlag{Name: "test-size", Value: def.TestSize, Usage: "test examples (0 or absent: all)"},
	}
}

func applyDataFlags(c *cli.Context, cfg *experiments.DataConfig) {
	if c.IsSet("dataset") {
		cfg.Dataset = c.String("dataset")
	}
	if c.IsSet("data-dir") {
		cfg.DataDir = c.String("data-dir")
	}
	if c.IsSet("train-size") {
		cfg.TrainSize = c.Int("train-size")
	}
	if c.IsSet("test-size") {
		cfg.TestSize = c.Int("test-size")
	}
}

// resolveOutputRule turns "perceptron", "mw", "none" or a file into a
// rule, with the setting a rule file was learned under (nil if none).
func resolveOutputRule(spec string, rounds int) (*plasticity.Rule, *plasticity.Origin, error) {
	switch spec {
	case "perceptron":
		return plasticity.Perceptron(rounds), nil, nil
	case "mw", "multiplicative-weights":
		return plasticity.MultiplicativeWeights(rounds), nil, nil
	case "none", "":
		return nil, nil, nil
	}
	r, o, err := loadRuleOfKind(spec, plasticity.OutputRule, "output rule")
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("output rule %q is neither a built-in rule (perceptron, mw, none) nor a rule file: %w", spec, err)
	}
	return r, o, err
}

func resolveGraphRule(spec string) (*plasticity.Rule, *plasticity.Origin, error) {
	if spec == "" || spec == "none" {
		return nil, nil, nil
	}
	return loadRuleOfKind(spec, plasticity.GraphRule, "graph rule")
}

// loadRuleOfKind reads a rule file and checks that it holds a rule of the
// kind wanted (a graph rule given as the output rule is an error, not a
// crash). It returns the setting the rule was learned under, if recorded.
func loadRuleOfKind(path string, want plasticity.Kind, what string) (*plasticity.Rule, *plasticity.Origin, error) {
	r, o, err := loadRuleOrigin(path)
	if err != nil {
		return nil, nil, err
	}
	if r.Kind != want {
		return nil, nil, fmt.Errorf("%s: holds a rule of kind %q, but the %s must be of kind %q", path, r.Kind, what, want)
	}
	return r, o, nil
}

func trainCommand() *cli.Command {
	def := defaultTrainConfig()
	flags := []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "TOML config file (flags override it)"},
		&cli.StringFlag{Name: "output-rule", Value: def.OutputRule, Usage: "output rule: perceptron, mw, none or a rule file"},
		&cli.StringFlag{Name: "graph-rule", Usage: "graph rule file (default: none; needs --rounds ≥ 2 to matter)"},
		&cli.StringFlag{Name: "out", Usage: "folder for meta.json, curve.csv, the rules and network.npz (default: runs/train-YYYYMMDD-HHMMSS-xxxxxx)"},
		forceFlag, printConfigFlag,
		&cli.IntFlag{Name: "curve-every", Value: def.CurveEvery, Usage: "learning-curve interval in examples (0: none)"},
		&cli.IntFlag{Name: "curve-size", Value: def.CurveSize, Usage: "test examples the learning curve is measured on"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"},
		&cli.StringFlag{Name: "eval", Value: string(plasticity.Exact), Usage: "arithmetic of the learning curve and the final accuracies (config: eval): 'exact' (float64, bit for bit as the forward pass) or 'fast' (float32, about 3× faster; may differ where two values are closer than float32's rounding)"},
	}
	flags = append(flags, dataFlags(def.DataConfig)...)
	flags = append(flags, networkFlags(def.Network.Defaults())...)
	return &cli.Command{
		Name:  "train",
		Usage: "train a network with plasticity rules and report train and test accuracy",
		Description: `Trains the simple RNN of the paper (SPEC §1–2) on a data set with the given rules
and prints train and test accuracy. The default is the paper's Table 2 setting on
MNIST: |V| = 1000, k = 500, T = 1, perceptron output rule, 10,000 training images.

Rule files are JSON (see plasticity.WriteRule). --out (default: a new folder
runs/train-YYYYMMDD-HHMMSS-xxxxxx, printed on stderr) gets meta.json (config, seed,
version, timings, accuracies), curve.csv (test accuracy every --curve-every
examples), the rules used and the trained network (network.npz, for evolve attack
and evolve curvature).`,
		Flags:  flags,
		Action: runTrain,
	}
}

// trainBinds ties the flags of "evolve train" to the keys of its config.
var trainBinds = slices.Concat(dataBinds, networkBinds("network."), []bind{
	{"output-rule", "output_rule"}, {"graph-rule", "graph_rule"}, {"curve-every", "curve_every"}, {"curve-size", "curve_size"}, {"eval", "eval"}})

// effectiveTrainConfig applies the defaults, the --config file and the
// flags the user set; data sets the network's inputs and labels.
func effectiveTrainConfig(c *cli.Context, data *dataset.Split) (trainConfig, userconf.Given, error) {
	raw := defaultTrainConfig()
	g := userconf.Given{}
	if err := readConfig(c, &raw, g); err != nil {
		return raw, g, err
	}
	applyFlags(c, &raw, g, trainBinds)
	capFollowsNodes(g, "network.", &raw.Network)
	fromData(g, "network.", raw.Network)
	cfg := raw
	if data != nil {
		cfg.Network.Inputs, cfg.Network.Labels = data.Train.Dim, data.Train.Labels
	}
	cfg.DataConfig = cfg.DataConfig.WithDefaults()
	cfg.Network = cfg.Network.Defaults()
	if err := g.Check(raw, cfg); err != nil {
		return cfg, g, fmt.Errorf("train: %w", err)
	}
	return cfg, g, nil
}

func runTrain(c *cli.Context) (err error) {
	cfg, _, err := effectiveTrainConfig(c, nil)
	if err != nil {
		return err
	}
	prec := cfg.Eval
	if prec != plasticity.Exact && prec != plasticity.Fast {
		what := "eval"
		if c.IsSet("eval") {
			what = "--eval"
		}
		return fmt.Errorf("train: %s %q: want %q or %q", what, prec, plasticity.Exact, plasticity.Fast)
	}
	if c.Bool("print-config") {
		return printConfig(c, cfg)
	}
	out := commandOut(c, "train")
	od, err := checkOut(out, "meta.json", c.Bool("force"))
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	defer func() {
		if err != nil {
			od.Discard() // a failure leaves no half-made folder
		}
	}()
	stderr := c.App.ErrWriter
	stdout := c.App.Writer

	t0 := time.Now()
	data, err := cfg.Load(cfg.Network.Seed)
	if err != nil {
		return err
	}
	tLoad := time.Since(t0)
	if cfg, _, err = effectiveTrainConfig(c, data); err != nil {
		return err
	}
	if err := cfg.Network.Validate(); err != nil {
		return err
	}
	outRule, outOrigin, err := resolveOutputRule(cfg.OutputRule, cfg.Network.Rounds)
	if err != nil {
		return err
	}
	graph, graphOrigin, err := resolveGraphRule(cfg.GraphRule)
	if err != nil {
		return err
	}
	warnOrigin(stderr, "train", "output rule", cfg.OutputRule, outOrigin, cfg.Network)
	warnOrigin(stderr, "train", "graph rule", cfg.GraphRule, graphOrigin, cfg.Network)
	if outRule == nil && graph == nil {
		return fmt.Errorf("train: no rule to train with (--output-rule none and no --graph-rule)")
	}
	for _, r := range []*plasticity.Rule{outRule, graph} {
		if r != nil && r.Rounds != cfg.Network.Rounds {
			return fmt.Errorf("train: the %s rule is for T=%d rounds but --rounds is %d", r.Kind, r.Rounds, cfg.Network.Rounds)
		}
	}
	net, err := plasticity.New(cfg.Network, seed.PCG(cfg.Network.Seed, seed.Network, 0))
	if err != nil {
		return err
	}
	var curveSet *dataset.Set
	if cfg.CurveEvery > 0 {
		curveSet = data.Test.Sample(cfg.CurveSize, seed.PCG(cfg.Network.Seed, seed.Sample, 1))
	}
	total := cfg.Network.Epochs * data.Train.Len()
	bar := newProgress(stderr, total, "train", c.Bool("quiet"))
	t1 := time.Now()
	res, err := plasticity.Train(net, plasticity.Rules{Graph: graph, Output: outRule}, data.Train, &plasticity.TrainSettings{
		Progress:       func(done, _ int) { bar.Set(done, "") },
		CurveEvery:     cfg.CurveEvery,
		CurveSet:       curveSet,
		CurvePrecision: prec,
	})
	bar.Done()
	if err != nil {
		return err
	}
	tTrain := time.Since(t1)
	t2 := time.Now()
	es := &plasticity.EvalSettings{Precision: prec}
	trainAcc := plasticity.EvaluateWith(net, data.Train, es).Accuracy
	testAcc := plasticity.EvaluateWith(net, data.Test, es).Accuracy
	tEval := time.Since(t2)

	fmt.Fprintf(stdout, "dataset     %s (%d train, %d test, d=%d, %d labels)\n", cfg.Dataset, data.Train.Len(), data.Test.Len(), data.Train.Dim, data.Train.Labels)
	fmt.Fprintf(stdout, "network     |V|=%d k=%d T=%d p=%g η=%g %s recurrence, input %s\n", cfg.Network.Nodes, cfg.Network.Cap, cfg.Network.Rounds, cfg.Network.P, cfg.Network.Eta, cfg.Network.Recurrence, map[bool]string{true: "ones", false: "N(0,1)"}[cfg.Network.InputOnes])
	fmt.Fprintf(stdout, "rules       output=%s graph=%s scheme=%s all-edges=%v epochs=%d seed=%d\n", orNone(cfg.OutputRule), orNone(cfg.GraphRule), cfg.Network.Scheme, cfg.Network.AllEdges, cfg.Network.Epochs, cfg.Network.Seed)
	fmt.Fprintf(stdout, "updates     %d of %d examples; mistakes per epoch %v\n", res.Updates, res.Seen, res.Mistakes)
	fmt.Fprintf(stdout, "train acc   %.4f\n", trainAcc)
	fmt.Fprintf(stdout, "test acc    %.4f\n", testAcc)
	fmt.Fprintf(stdout, "time        %.2fs training (%.0f examples/s), %.2fs loading, %.2fs evaluating\n", tTrain.Seconds(), float64(res.Seen)/tTrain.Seconds(), tLoad.Seconds(), tEval.Seconds())

	if err := od.Make(); err != nil { // only now: a run stopped earlier leaves no folder
		return err
	}
	meta := map[string]any{
		"command":        "train",
		"version":        buildVersion(),
		"config":         cfg,
		"seed":           cfg.Network.Seed,
		"train_accuracy": trainAcc,
		"test_accuracy":  testAcc,
		"updates":        res.Updates,
		"seen":           res.Seen,
		"mistakes":       res.Mistakes,
		"timings_seconds": map[string]float64{
			"load": tLoad.Seconds(), "train": tTrain.Seconds(), "evaluate": tEval.Seconds(),
		},
		"train_examples": data.Train.Len(),
		"test_examples":  data.Test.Len(),
		"curve_examples": cfg.CurveSize,
		"evaluation":     string(prec), // --eval: the arithmetic of the accuracies and the curve
	}
	if outRule != nil {
		if err := saveRuleOrigin(outPath(out, "output.rule.json"), outRule, "output rule used by evolve train", outOrigin); err != nil {
			return err
		}
	}
	if graph != nil {
		if err := saveRuleOrigin(outPath(out, "graph.rule.json"), graph, "graph rule used by evolve train", graphOrigin); err != nil {
			return err
		}
	}
	if len(res.Curve) > 0 {
		rows := make([][]string, len(res.Curve))
		for i, p := range res.Curve {
			acc := ""
			if !math.IsNaN(p.Accuracy) {
				acc = ftoa(p.Accuracy)
			}
			rows[i] = []string{fmt.Sprint(p.Seen), fmt.Sprint(p.Epoch + 1), ftoa(p.OnlineAccuracy), acc}
		}
		if err := writeCSV(outPath(out, "curve.csv"), []string{"seen", "epoch", "online_accuracy", "test_accuracy"}, rows); err != nil {
			return err
		}
	}
	if err := saveNetwork(outPath(out, networkFile), net, plasticity.Rules{Graph: graph, Output: outRule}, plasticity.Provenance{
		Method: "rules", Dataset: cfg.Dataset, TrainExamples: data.Train.Len(), TestAccuracy: testAcc, Command: "train"}); err != nil {
		return err
	}
	if err := writeJSON(outPath(out, "meta.json"), meta); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s\n", out)
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
