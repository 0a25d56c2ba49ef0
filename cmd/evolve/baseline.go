package main

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/urfave/cli/v2"
	"gonum.org/v1/plot/plotter"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/experiments"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/internal/userconf"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// baselineConfig is the configuration of "evolve baseline".
type baselineConfig struct {
	// DataConfig names the data set (its keys sit at the top level).
	experiments.DataConfig
	// CurveEvery is the learning-curve interval in examples (0: no curve).
	CurveEvery int `toml:"curve_every" json:"curve_every"`
	// CurveSize is the number of test examples the curve is measured on.
	CurveSize int `toml:"curve_size" json:"curve_size"`
	// GD configures the optimiser; its epochs are the network's.
	GD plasticity.GDConfig `toml:"gd" json:"gd"`
	// Network configures the model and the number of epochs.
	Network plasticity.Config `toml:"network" json:"network"`
}

func defaultBaselineConfig() baselineConfig {
	cfg := baselineConfig{
		DataConfig: experiments.DataConfig{Dataset: "mnist"},
		CurveEvery: 500,
		CurveSize:  1000,
		GD:         plasticity.GDConfig{Seed: 1}.Defaults(),
		Network:    plasticity.Config{Seed: 1}.Defaults(),
	}
	cfg.Network.Cap = 0 // |V|/2 of the |V| set by the config file or flags
	return cfg
}

func baselineCommand() *cli.Command {
	def := defaultBaselineConfig()
	flags := []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "TOML config file (flags override it)"},
		&cli.StringFlag{Name: "method", Value: string(def.GD.Method), Usage: "'gd-output' (U only) or 'gd-full' (A, W and U)"},
		&cli.IntFlag{Name: "batch", Value: def.GD.Batch, Usage: "minibatch size"},
		&cli.Float64Flag{Name: "lr", Value: def.GD.LR, Usage: "Adam learning rate"},
		&cli.StringFlag{Name: "loss", Value: string(def.GD.Loss), Usage: "'ce' (cross-entropy) or 'mse'"},
		&cli.IntFlag{Name: "curve-every", Value: def.CurveEvery, Usage: "learning-curve interval in examples (0: none)"},
		&cli.IntFlag{Name: "curve-size", Value: def.CurveSize, Usage: "test examples the learning curve is measured on"},
		&cli.StringFlag{Name: "out", Usage: "folder for meta.json, loss.csv, curve.csv, curve.png/svg and network.npz (default: runs/baseline-YYYYMMDD-HHMMSS-xxxxxx)"},
		forceFlag, printConfigFlag,
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"},
	}
	flags = append(flags, dataFlags(def.DataConfig)...)
	flags = append(flags, networkFlags(def.Network)...)
	return &cli.Command{
		Name:  "baseline",
		Usage: "train the network by gradient descent (Adam) instead of plasticity rules",
		Description: `The gradient-descent baselines of SPEC §5: gd-output trains the output weights U
with Adam on minibatches, the rest of the network fixed; gd-full trains the input
weights A (on their mask), the graph weights W and U through all T rounds, the cap
masks of each forward pass fixed. Weights start at 0. Prints train and test accuracy;
--out (default: a new folder runs/baseline-YYYYMMDD-HHMMSS-xxxxxx, printed on
stderr) gets meta.json, loss.csv (loss per step), curve.csv, curve.png/svg and the
trained network (network.npz).`,
		Flags:  flags,
		Action: runBaseline,
	}
}

// baselineBinds ties the flags of "evolve baseline" to the keys of its config.
var baselineBinds = slices.Concat(dataBinds, networkBinds("network."), []bind{
	{"seed", "gd.seed"}, {"method", "gd.method"}, {"batch", "gd.batch"}, {"lr", "gd.lr"}, {"loss", "gd.loss"},
	{"curve-every", "curve_every"}, {"curve-size", "curve_size"}})

// effectiveBaselineConfig applies the defaults, the --config file and
// the flags the user set; data, if not nil, sets the network's inputs and
// labels. The optimiser's epochs are the network's.
func effectiveBaselineConfig(c *cli.Context, data *dataset.Split) (baselineConfig, error) {
	raw := defaultBaselineConfig()
	g := userconf.Given{}
	if err := readConfig(c, &raw, g); err != nil {
		return raw, err
	}
	applyFlags(c, &raw, g, baselineBinds)
	capFollowsNodes(g, "network.", &raw.Network)
	fromData(g, "network.", raw.Network)
	cfg := raw
	if data != nil {
		cfg.Network.Inputs, cfg.Network.Labels = data.Train.Dim, data.Train.Labels
	}
	cfg.DataConfig = cfg.DataConfig.WithDefaults()
	cfg.Network = cfg.Network.Defaults()
	cfg.GD = cfg.GD.Defaults()
	cfg.GD.Epochs = cfg.Network.Epochs
	if err := g.Check(raw, cfg); err != nil {
		return cfg, fmt.Errorf("baseline: %w (the optimiser's epochs are network.epochs, --epochs)", err)
	}
	return cfg, cfg.GD.Validate()
}

func runBaseline(c *cli.Context) (err error) {
	cfg, err := effectiveBaselineConfig(c, nil)
	if err != nil {
		return err
	}
	if c.Bool("print-config") {
		return printConfig(c, cfg)
	}
	out := commandOut(c, "baseline")
	od, err := checkOut(out, "meta.json", c.Bool("force"))
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	defer func() {
		if err != nil {
			od.Discard() // a failure leaves no half-made folder
		}
	}()
	stderr, stdout := c.App.ErrWriter, c.App.Writer

	t0 := time.Now()
	data, err := cfg.Load(cfg.Network.Seed)
	if err != nil {
		return err
	}
	tLoad := time.Since(t0)
	if cfg, err = effectiveBaselineConfig(c, data); err != nil {
		return err
	}
	if err := cfg.Network.Validate(); err != nil {
		return err
	}
	net, err := plasticity.New(cfg.Network, seed.PCG(cfg.Network.Seed, seed.Network, 0))
	if err != nil {
		return err
	}
	var curveSet *dataset.Set
	if cfg.CurveEvery > 0 {
		curveSet = data.Test.Sample(cfg.CurveSize, seed.PCG(cfg.Network.Seed, seed.Sample, 1))
	}
	total := cfg.GD.Epochs * data.Train.Len()
	bar := newProgress(stderr, total, string(cfg.GD.Method), c.Bool("quiet"))
	t1 := time.Now()
	var res *plasticity.GDResult
	res, err = plasticity.GD(net, data.Train, &plasticity.GDSettings{
		GDConfig:   cfg.GD,
		CurveEvery: cfg.CurveEvery,
		CurveSet:   curveSet,
		Progress:   func(done, _ int) { bar.Set(done, "") },
	})
	bar.Done()
	if err != nil {
		return err
	}
	tTrain := time.Since(t1)
	cfg.GD = cfg.GD.Defaults()
	t2 := time.Now()
	trainAcc := plasticity.Evaluate(net, data.Train).Accuracy
	testAcc := plasticity.Evaluate(net, data.Test).Accuracy
	tEval := time.Since(t2)

	fmt.Fprintf(stdout, "dataset     %s (%d train, %d test, d=%d, %d labels)\n", cfg.Dataset, data.Train.Len(), data.Test.Len(), data.Train.Dim, data.Train.Labels)
	fmt.Fprintf(stdout, "network     |V|=%d k=%d T=%d p=%g %s recurrence\n", cfg.Network.Nodes, cfg.Network.Cap, cfg.Network.Rounds, cfg.Network.P, cfg.Network.Recurrence)
	fmt.Fprintf(stdout, "method      %s, Adam lr=%g, batch %d, loss %s, %d epochs, seed %d\n", cfg.GD.Method, cfg.GD.LR, cfg.GD.Batch, cfg.GD.Loss, cfg.GD.Epochs, cfg.GD.Seed)
	fmt.Fprintf(stdout, "loss        %.4f → %.4f over %d steps\n", res.Loss[0], res.Loss[len(res.Loss)-1], res.Steps)
	fmt.Fprintf(stdout, "train acc   %.4f\n", trainAcc)
	fmt.Fprintf(stdout, "test acc    %.4f\n", testAcc)
	fmt.Fprintf(stdout, "time        %.2fs training (%.0f examples/s), %.2fs loading, %.2fs evaluating\n", tTrain.Seconds(), float64(res.Seen)/tTrain.Seconds(), tLoad.Seconds(), tEval.Seconds())
	if err := od.Make(); err != nil { // only now: a run stopped earlier leaves no folder
		return err
	}
	rows := make([][]string, len(res.Loss))
	for i, l := range res.Loss {
		rows[i] = []string{fmt.Sprint(i + 1), ftoa(l)}
	}
	if err := writeCSV(outPath(out, "loss.csv"), []string{"step", "loss"}, rows); err != nil {
		return err
	}
	if len(res.Curve) > 0 {
		rows := make([][]string, len(res.Curve))
		var pts plotter.XYs
		for i, p := range res.Curve {
			acc := ""
			if !math.IsNaN(p.Accuracy) {
				acc = ftoa(p.Accuracy)
				pts = append(pts, plotter.XY{X: float64(p.Seen), Y: p.Accuracy})
			}
			rows[i] = []string{fmt.Sprint(p.Seen), fmt.Sprint(p.Epoch + 1), ftoa(p.OnlineAccuracy), acc}
		}
		if err := writeCSV(outPath(out, "curve.csv"), []string{"seen", "epoch", "online_accuracy", "test_accuracy"}, rows); err != nil {
			return err
		}
		title := fmt.Sprintf("%s on %s (|V|=%d, T=%d)", cfg.GD.Method, cfg.Dataset, cfg.Network.Nodes, cfg.Network.Rounds)
		if err := saveLine(outPath(out, "curve"), title, "training examples seen", "test accuracy", pts); err != nil {
			return err
		}
	}
	meta := map[string]any{
		"command":        "baseline",
		"version":        buildVersion(),
		"config":         cfg,
		"seed":           cfg.GD.Seed,
		"train_accuracy": trainAcc,
		"test_accuracy":  testAcc,
		"steps":          res.Steps,
		"seen":           res.Seen,
		"train_examples": data.Train.Len(),
		"test_examples":  data.Test.Len(),
		"timings_seconds": map[string]float64{
			"load": tLoad.Seconds(), "train": tTrain.Seconds(), "evaluate": tEval.Seconds(),
		},
	}
	if err := saveNetwork(outPath(out, networkFile), net, plasticity.Rules{}, plasticity.Provenance{
		Method: string(cfg.GD.Method), Dataset: cfg.Dataset, TrainExamples: data.Train.Len(), TestAccuracy: testAcc, Command: "baseline"}); err != nil {
		return err
	}
	if err := writeJSON(outPath(out, "meta.json"), meta); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s\n", out)
	return nil
}
