package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/evolve-toolkit/evolve/experiments"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/internal/userconf"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// optimalConfig is the configuration of "evolve optimal-rule".
type optimalConfig struct {
	// DataConfig names the data set (its keys sit at the top level).
	experiments.DataConfig
	// Network configures the model; the scheme is always All with AllEdges.
	Network plasticity.Config `toml:"network" json:"network"`
}

func defaultOptimalConfig() optimalConfig {
	cfg := optimalConfig{
		DataConfig: experiments.DataConfig{Dataset: "mnist"},
		Network:    plasticity.Config{Seed: 1, Scheme: plasticity.All, AllEdges: true}.Defaults(),
	}
	cfg.Network.Cap = 0 // |V|/2 of the |V| set by the config file or flags
	return cfg
}

func (c optimalConfig) withNetworkDefaults() optimalConfig {
	c.DataConfig = c.DataConfig.WithDefaults()
	c.Network = c.Network.Defaults()
	return c
}

func optimalRuleCommand() *cli.Command {
	def := defaultOptimalConfig()
	flags := []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "TOML config file (flags override it)"},
		&cli.StringFlag{Name: "out", Usage: "folder for output.rule.json and meta.json (default: runs/optimal-rule-YYYYMMDD-HHMMSS-xxxxxx)"},
		forceFlag, printConfigFlag,
	}
	flags = append(flags, dataFlags(def.DataConfig)...)
	flags = append(flags, networkFlags(def.Network)...)
	return &cli.Command{
		Name:  "optimal-rule",
		Usage: "solve for the output rule of least MSE (appendix B) and train with it",
		Description: `With All updates, AllEdges, no graph rule and weights starting at 0, the output
weights after one epoch are linear in the 2^T × 2 entries of the output rule and
independent of the order, so the rule of least mean squared error on the training set
solves a linear system (paper appendix B, SPEC §4). This command solves it, prints the
rule and its MSE, trains a network with it (one epoch) and prints train and test
accuracy. --scheme and --all-edges are forced to all and true; --epochs is 1.
--out (default: a new folder runs/optimal-rule-YYYYMMDD-HHMMSS-xxxxxx, printed on
stderr) gets output.rule.json (loadable by evolve train) and meta.json.`,
		Flags:  flags,
		Action: runOptimalRule,
	}
}

func runOptimalRule(c *cli.Context) (err error) {
	raw := defaultOptimalConfig()
	g := userconf.Given{}
	if err := readConfig(c, &raw, g); err != nil {
		return err
	}
	applyFlags(c, &raw, g, slices.Concat(dataBinds, networkBinds("network.")))
	capFollowsNodes(g, "network.", &raw.Network)
	fromData(g, "network.", raw.Network)
	cfg := raw
	cfg.Network.Scheme, cfg.Network.AllEdges, cfg.Network.Epochs = plasticity.All, true, 1
	cfg = cfg.withNetworkDefaults()
	if err := g.Check(raw, cfg); err != nil {
		return fmt.Errorf("optimal-rule: %w (the least-MSE rule is for scheme all, all edges, one epoch)", err)
	}
	if c.Bool("print-config") {
		return printConfig(c, cfg)
	}
	out := commandOut(c, "optimal-rule")
	od, err := checkOut(out, "meta.json", c.Bool("force"))
	if err != nil {
		return fmt.Errorf("optimal-rule: %w", err)
	}
	defer func() {
		if err != nil {
			od.Discard() // a failure leaves no half-made folder
		}
	}()
	stderr, stdout := c.App.ErrWriter, c.App.Writer

	data, err := cfg.Load(cfg.Network.Seed)
	if err != nil {
		return err
	}
	cfg.Network.Inputs = data.Train.Dim
	cfg.Network.Labels = data.Train.Labels
	cfg.Network = cfg.Network.Defaults()
	if err := cfg.Network.Validate(); err != nil {
		return err
	}
	net, err := plasticity.New(cfg.Network, seed.PCG(cfg.Network.Seed, seed.Network, 0))
	if err != nil {
		return err
	}
	t0 := time.Now()
	opt, err := plasticity.OptimalOutputRule(net, data.Train)
	if err != nil {
		return err
	}
	tSolve := time.Since(t0)
	t1 := time.Now()
	if _, err := plasticity.Train(net, plasticity.Rules{Output: opt.Rule}, data.Train, nil); err != nil {
		return err
	}
	trainAcc := plasticity.Evaluate(net, data.Train).Accuracy
	testAcc := plasticity.Evaluate(net, data.Test).Accuracy
	tTrain := time.Since(t1)

	fmt.Fprintf(stdout, "dataset     %s (%d train, %d test, d=%d, %d labels)\n", cfg.Dataset, data.Train.Len(), data.Test.Len(), data.Train.Dim, data.Train.Labels)
	fmt.Fprintf(stdout, "network     |V|=%d k=%d T=%d p=%g η=%g, scheme all, all-edges, 1 epoch\n", cfg.Network.Nodes, cfg.Network.Cap, cfg.Network.Rounds, cfg.Network.P, cfg.Network.Eta)
	fmt.Fprintf(stdout, "optimal     %s (rank %d of %d)\n", formatTable(opt.Rule), opt.Rank, len(opt.Rule.Table))
	fmt.Fprintf(stdout, "train MSE   %.6g\n", opt.MSE)
	fmt.Fprintf(stdout, "train acc   %.4f\n", trainAcc)
	fmt.Fprintf(stdout, "test acc    %.4f\n", testAcc)
	fmt.Fprintf(stdout, "time        %.2fs solving, %.2fs training and evaluating\n", tSolve.Seconds(), tTrain.Seconds())
	if err := od.Make(); err != nil { // only now: a run stopped earlier leaves no folder
		return err
	}
	if err := saveRuleOrigin(outPath(out, "output.rule.json"), opt.Rule,
		fmt.Sprintf("optimal MSE output rule (appendix B) for %s, |V|=%d, T=%d, seed %d", cfg.Dataset, cfg.Network.Nodes, cfg.Network.Rounds, cfg.Network.Seed),
		plasticity.OriginOf(cfg.Network, "optimal-rule")); err != nil {
		return err
	}
	meta := map[string]any{
		"command":        "optimal-rule",
		"version":        buildVersion(),
		"config":         cfg,
		"seed":           cfg.Network.Seed,
		"rule":           opt.Rule.Table,
		"mse":            opt.MSE,
		"rank":           opt.Rank,
		"train_accuracy": trainAcc,
		"test_accuracy":  testAcc,
		"train_examples": data.Train.Len(),
		"test_examples":  data.Test.Len(),
		"timings_seconds": map[string]float64{
			"solve": tSolve.Seconds(), "train_evaluate": tTrain.Seconds(),
		},
	}
	if err := writeJSON(outPath(out, "meta.json"), meta); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s\n", out)
	return nil
}
