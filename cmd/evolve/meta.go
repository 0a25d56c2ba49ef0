package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/urfave/cli/v2"
	"gonum.org/v1/plot/plotter"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/experiments"
	"github.com/evolve-toolkit/evolve/internal/atomicfile"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/internal/userconf"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// metaConfig is the configuration of "evolve meta", as read from a TOML
// file (--config) and overridden by flags.
type metaConfig struct {
	// DataConfig names the data set (its keys sit at the top level).
	experiments.DataConfig
	// GraphStart is a rule file: the start of a learned graph rule, or the fixed graph rule.
	GraphStart string `toml:"graph_start" json:"graph_start"`
	// OutputStart is a rule file: the start of a learned output rule, or the fixed output rule.
	OutputStart string `toml:"output_start" json:"output_start"`
	// Meta configures the meta-learner.
	Meta plasticity.MetaConfig `toml:"meta" json:"meta"`
	// Network configures the model; its epochs are those of the final
	// training with the learned rules.
	Network plasticity.Config `toml:"network" json:"network"`
}

func defaultMetaConfig() metaConfig {
	// Figure 3's first setting: an output rule learned on halfspace with |V| = 100.
	cfg := metaConfig{
		DataConfig: experiments.DataConfig{Dataset: "halfspace"},
		Meta:       plasticity.MetaConfig{Seed: 1}.Defaults(),
		Network:    plasticity.Config{Nodes: 100, Seed: 1}.Defaults(),
	}
	cfg.Network.Cap = 0 // |V|/2 of the |V| set by the config file or flags
	return cfg
}

func metaCommand() *cli.Command {
	def := defaultMetaConfig()
	m := def.Meta
	flags := []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "TOML config file (flags override it)"},
		&cli.StringFlag{Name: "graph", Value: string(m.Graph), Usage: "learn the graph rule as 'table' or 'mlp', or 'none'"},
		&cli.StringFlag{Name: "output", Value: string(m.Output), Usage: "learn the output rule as 'table' or 'mlp', or 'none'"},
		&cli.StringFlag{Name: "graph-update", Value: string(m.GraphUpdate), Usage: "'additive' or 'multiplicative' learned graph rule"},
		&cli.StringFlag{Name: "output-update", Value: string(m.OutputUpdate), Usage: "'additive' or 'multiplicative' learned output rule"},
		&cli.StringFlag{Name: "graph-start", Usage: "rule file: start of the learned graph rule, or the fixed graph rule"},
		&cli.StringFlag{Name: "output-start", Usage: "rule file: start of the learned output rule, or the fixed output rule"},
		&cli.IntFlag{Name: "hidden", Value: m.Hidden, Usage: "width of MLP rules"},
		&cli.Float64Flag{Name: "init-scale", Value: m.InitScale, Usage: "standard deviation of random start tables"},
		&cli.IntFlag{Name: "batch", Value: m.Batch, Usage: "meta batch size |B|"},
		&cli.IntFlag{Name: "outer-epochs", Value: m.Epochs, Usage: "outer epochs (passes over the training set in batches)"},
		&cli.IntFlag{Name: "steps", Value: m.Steps, Usage: "outer steps (0: --outer-epochs)"},
		&cli.IntFlag{Name: "inner-epochs", Value: m.InnerEpochs, Usage: "training passes over each batch"},
		&cli.StringFlag{Name: "loss", Value: string(m.Loss), Usage: "'ce' (cross-entropy) or 'mse'"},
		&cli.Float64Flag{Name: "lr", Value: m.LR, Usage: "Adam learning rate"},
		&cli.Float64Flag{Name: "weight-decay", Value: m.WeightDecay, Usage: "coupled L2 weight decay (negative: none)"},
		&cli.StringFlag{Name: "out", Usage: "folder for the rule files, loss.csv, loss.png, loss.svg and meta.json (default: runs/meta-YYYYMMDD-HHMMSS-xxxxxx)"},
		forceFlag, printConfigFlag,
		&cli.StringFlag{Name: "resume", Usage: "continue the interrupted run in this folder (its config.toml and checkpoint.bin)"},
		&cli.IntFlag{Name: "checkpoint-every", Value: 100, Usage: "write checkpoint.bin every this many steps (negative: only when stopped)"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"},
	}
	flags = append(flags, dataFlags(def.DataConfig)...)
	flags = append(flags, networkFlags(def.Network)...)
	return &cli.Command{
		Name:  "meta",
		Usage: "learn plasticity rules by gradient descent (meta-learning)",
		Description: `Learns plasticity rules with the exact rule gradient (SPEC §3): each step takes a
batch, resets the weights, trains on the batch with the current rules, and takes an
Adam step on the loss of the batch. Then a fresh network is trained with the learned
rules on the whole training set (--epochs) and its test accuracy is printed.

The default is Figure 3's first setting: an output rule table learned on halfspace
with |V| = 100, T = 1. For the second, use
  --dataset relu1 --rounds 3 --cap 50 --graph mlp --hidden 20
--out (default: a new folder runs/meta-YYYYMMDD-HHMMSS-xxxxxx, printed on stderr)
gets graph.rule.json and output.rule.json (loadable by evolve train), loss.csv (step,
epoch, loss, batch accuracy), loss.png, loss.svg and meta.json.

Ctrl-C or SIGTERM (Slurm and Kubernetes stop jobs with it) writes
checkpoint.bin (with a checksum) and exits with status 130 or 143; so does every
--checkpoint-every steps. --resume DIR continues the run with its own config.toml,
and the result equals an uninterrupted run's, bit for bit.`,
		Flags:  flags,
		Action: runMeta,
	}
}

// metaBinds ties the flags of "evolve meta" to the keys of its config.
var metaBinds = slices.Concat(dataBinds, networkBinds("network."), []bind{
	{"seed", "meta.seed"}, {"graph-start", "graph_start"}, {"output-start", "output_start"},
	{"graph", "meta.graph"}, {"output", "meta.output"}, {"graph-update", "meta.graph_update"}, {"output-update", "meta.output_update"},
	{"hidden", "meta.hidden"}, {"init-scale", "meta.init_scale"}, {"batch", "meta.batch"}, {"outer-epochs", "meta.epochs"},
	{"steps", "meta.steps"}, {"inner-epochs", "meta.inner_epochs"}, {"loss", "meta.loss"}, {"lr", "meta.lr"}, {"weight-decay", "meta.weight_decay"}})

// effectiveMetaConfig applies the defaults, the --config file and the
// flags the user set; data, if not nil, sets the network's inputs and labels.
func effectiveMetaConfig(c *cli.Context, data *dataset.Split) (metaConfig, error) {
	raw := defaultMetaConfig()
	g := userconf.Given{}
	if err := readConfig(c, &raw, g); err != nil {
		return raw, err
	}
	applyFlags(c, &raw, g, metaBinds)
	capFollowsNodes(g, "network.", &raw.Network)
	fromData(g, "network.", raw.Network)
	cfg := raw
	cfg.Meta = cfg.Meta.Defaults()
	if data != nil {
		cfg.Network.Inputs, cfg.Network.Labels = data.Train.Dim, data.Train.Labels
	}
	cfg.DataConfig = cfg.DataConfig.WithDefaults()
	cfg.Network = cfg.Network.Defaults()
	if err := g.Check(raw, cfg); err != nil {
		return cfg, fmt.Errorf("meta: %w", err)
	}
	return cfg, cfg.Meta.Validate()
}

func runMeta(c *cli.Context) (err error) {
	stderr, stdout := c.App.ErrWriter, c.App.Writer
	var cfg metaConfig
	var resume []byte
	out := c.String("out")
	var od *outDir
	if dir := c.String("resume"); dir != "" {
		if err := readResumeConfig(c, "meta", dir, out, append(metaBinds, bind{"print-config", ""}), &cfg); err != nil {
			return err
		}
		if _, err := os.Stat(filepath.Join(dir, "meta.json")); err == nil {
			fmt.Fprintf(stdout, "%s is finished (meta.json); nothing to resume\n", dir)
			return nil
		}
		if resume, err = atomicfile.ReadChecked(filepath.Join(dir, "checkpoint.bin")); err != nil {
			return fmt.Errorf("meta: resume: %w", err)
		}
		out, od = dir, &outDir{Path: dir}
	} else {
		if cfg, err = effectiveMetaConfig(c, nil); err != nil {
			return err
		}
		if c.Bool("print-config") {
			return printConfig(c, cfg)
		}
		out = commandOut(c, "meta")
		if od, err = openOut(out, "meta.json", c.Bool("force")); err != nil {
			return fmt.Errorf("meta: %w", err)
		}
		if _, err := os.Stat(filepath.Join(out, "checkpoint.bin")); err == nil && !c.Bool("force") {
			return fmt.Errorf("meta: %s holds an interrupted run; continue it with --resume %s, or give --force to start over", out, out)
		}
		os.Remove(filepath.Join(out, "checkpoint.bin")) // --force: start over
	}
	m := &cfg.Meta
	ctx, received, stopSignals := signalContext(c.Context)
	defer stopSignals()
	defer func() {
		if err != nil && received() == nil {
			od.Discard() // a failure leaves no half-made folder
		}
	}()

	t0 := time.Now()
	data, err := cfg.Load(cfg.Network.Seed)
	if err != nil {
		return err
	}
	tLoad := time.Since(t0)
	if resume == nil {
		if cfg, err = effectiveMetaConfig(c, data); err != nil {
			return err
		}
	}
	if err := cfg.Network.Validate(); err != nil {
		return err
	}
	if resume == nil {
		b, err := encodeTOML(cfg)
		if err != nil {
			return err
		}
		if err := atomicfile.Write(filepath.Join(out, "config.toml"), b); err != nil {
			return err
		}
	}
	var start plasticity.Rules
	startOrigin := map[plasticity.Kind]*plasticity.Origin{}
	if cfg.GraphStart != "" {
		if start.Graph, startOrigin[plasticity.GraphRule], err = loadRuleOfKind(cfg.GraphStart, plasticity.GraphRule, "graph start"); err != nil {
			return err
		}
		warnOrigin(stderr, "meta", "graph start", cfg.GraphStart, startOrigin[plasticity.GraphRule], cfg.Network)
	}
	if cfg.OutputStart != "" {
		if start.Output, startOrigin[plasticity.OutputRule], err = loadRuleOfKind(cfg.OutputStart, plasticity.OutputRule, "output start"); err != nil {
			return err
		}
		warnOrigin(stderr, "meta", "output start", cfg.OutputStart, startOrigin[plasticity.OutputRule], cfg.Network)
	}
	for _, r := range []*plasticity.Rule{start.Graph, start.Output} {
		if r != nil && r.Rounds != cfg.Network.Rounds {
			return fmt.Errorf("meta: the %s rule is for T=%d rounds but --rounds is %d", r.Kind, r.Rounds, cfg.Network.Rounds)
		}
	}
	net, err := plasticity.New(cfg.Network, seed.PCG(cfg.Network.Seed, seed.Network, 0))
	if err != nil {
		return err
	}
	var bar *progress // made at the first step, when the total is known
	t1 := time.Now()
	settings := &plasticity.MetaSettings{
		MetaConfig: *m,
		Progress: func(s plasticity.MetaStep, total int) {
			if bar == nil {
				bar = newProgress(stderr, total, "meta", c.Bool("quiet"))
			}
			bar.Set(s.Step, fmt.Sprintf("loss %.4f", s.Loss))
		},
		Stop:            func() bool { return ctx.Err() != nil },
		CheckpointEvery: c.Int("checkpoint-every"),
		Resume:          resume,
	}
	settings.Checkpoint = func(b []byte) error { return atomicfile.WriteChecked(filepath.Join(out, "checkpoint.bin"), b) }
	res, err := plasticity.Meta(net, data.Train, start, settings)
	if bar != nil {
		bar.Done()
	}
	if errors.Is(err, plasticity.ErrMetaStopped) {
		sig := received()
		if sig == nil {
			sig = os.Interrupt
		}
		od.created = false // keep the checkpoint
		return stoppedExit(sig, fmt.Sprintf("meta: stopped by %v after step %d; continue with: evolve meta --resume %s", sig, len(res.Steps), out))
	}
	if err != nil {
		return err
	}
	tMeta := time.Since(t1)
	cfg.Meta = res.Config

	// Train a fresh network with the learned rules on the whole set.
	t2 := time.Now()
	fresh, err := plasticity.New(cfg.Network, seed.PCG(cfg.Network.Seed, seed.Network, 1))
	if err != nil {
		return err
	}
	if _, err := plasticity.Train(fresh, res.Rules, data.Train, nil); err != nil {
		return fmt.Errorf("meta: training with the learned rules: %w", err)
	}
	trainAcc := plasticity.Evaluate(fresh, data.Train).Accuracy
	testAcc := plasticity.Evaluate(fresh, data.Test).Accuracy
	tEval := time.Since(t2)

	first, last := res.Steps[0], res.Steps[len(res.Steps)-1]
	fmt.Fprintf(stdout, "dataset     %s (%d train, %d test, d=%d, %d labels)\n", cfg.Dataset, data.Train.Len(), data.Test.Len(), data.Train.Dim, data.Train.Labels)
	fmt.Fprintf(stdout, "network     |V|=%d k=%d T=%d p=%g η=%g scheme=%s all-edges=%v\n", cfg.Network.Nodes, cfg.Network.Cap, cfg.Network.Rounds, cfg.Network.P, cfg.Network.Eta, cfg.Network.Scheme, cfg.Network.AllEdges)
	fmt.Fprintf(stdout, "learned     graph=%s output=%s loss=%s batch=%d lr=%g weight-decay=%g seed=%d\n", m.Graph, m.Output, res.Config.Loss, res.Config.Batch, res.Config.LR, res.Config.WeightDecay, res.Config.Seed)
	fmt.Fprintf(stdout, "meta        %d steps in %.2fs (%.2f ms/step); batch loss %.4f → %.4f, batch accuracy %.3f → %.3f\n",
		len(res.Steps), tMeta.Seconds(), 1e3*tMeta.Seconds()/float64(len(res.Steps)), first.Loss, last.Loss, first.Accuracy, last.Accuracy)
	for _, r := range []*plasticity.Rule{res.Rules.Graph, res.Rules.Output} {
		if r != nil && r.Kind == plasticity.OutputRule {
			fmt.Fprintf(stdout, "output rule %v\n", formatTable(r))
		}
	}
	fmt.Fprintf(stdout, "fresh net   train acc %.4f, test acc %.4f (%d epochs with the learned rules)\n", trainAcc, testAcc, cfg.Network.Epochs)

	rules := map[string]string{}
	for _, r := range []*plasticity.Rule{res.Rules.Graph, res.Rules.Output} {
		if r == nil {
			continue
		}
		name := string(r.Kind) + ".rule.json"
		learned := (r.Kind == plasticity.GraphRule && m.Graph != plasticity.ParamNone) || (r.Kind == plasticity.OutputRule && m.Output != plasticity.ParamNone)
		comment := fmt.Sprintf("fixed %s rule used by evolve meta on %s", r.Kind, cfg.Dataset)
		origin := startOrigin[r.Kind] // a fixed rule keeps its own
		if learned {
			comment = fmt.Sprintf("%s rule learned by evolve meta on %s (%d steps, seed %d)", r.Kind, cfg.Dataset, len(res.Steps), res.Config.Seed)
			origin = plasticity.OriginOf(cfg.Network, "meta")
		}
		if err := saveRuleOrigin(outPath(out, name), r, comment, origin); err != nil {
			return err
		}
		rules[string(r.Kind)] = name
	}
	rows := make([][]string, len(res.Steps))
	loss := make(plotter.XYs, len(res.Steps))
	for i, s := range res.Steps {
		rows[i] = []string{fmt.Sprint(s.Step), fmt.Sprint(s.Epoch), ftoa(s.Loss), ftoa(s.Accuracy)}
		loss[i] = plotter.XY{X: float64(s.Step), Y: s.Loss}
	}
	if err := writeCSV(outPath(out, "loss.csv"), []string{"step", "epoch", "loss", "batch_accuracy"}, rows); err != nil {
		return err
	}
	title := fmt.Sprintf("meta-learning on %s (|V|=%d, T=%d)", cfg.Dataset, cfg.Network.Nodes, cfg.Network.Rounds)
	if err := saveLine(outPath(out, "loss"), title, "step", "batch loss ("+string(res.Config.Loss)+")", loss); err != nil {
		return err
	}
	meta := map[string]any{
		"command":        "meta",
		"version":        buildVersion(),
		"config":         cfg,
		"seed":           res.Config.Seed,
		"steps":          len(res.Steps),
		"first_loss":     first.Loss,
		"final_loss":     last.Loss,
		"rules":          rules,
		"train_accuracy": trainAcc,
		"test_accuracy":  testAcc,
		"train_examples": data.Train.Len(),
		"test_examples":  data.Test.Len(),
		"timings_seconds": map[string]float64{
			"load": tLoad.Seconds(), "meta": tMeta.Seconds(), "evaluate": tEval.Seconds(),
		},
		"ms_per_step": 1e3 * tMeta.Seconds() / float64(len(res.Steps)),
	}
	if err := saveNetwork(outPath(out, networkFile), fresh, res.Rules, plasticity.Provenance{
		Method: "meta", Dataset: cfg.Dataset, TrainExamples: data.Train.Len(), TestAccuracy: testAcc, Command: "meta"}); err != nil {
		return err
	}
	if err := writeJSON(outPath(out, "meta.json"), meta); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s\n", out)
	return nil
}

// formatTable prints a rule table row by row: [[a b] [c d] …].
func formatTable(r *plasticity.Rule) string {
	s := "["
	for p := 0; p < r.Rows(); p++ {
		if p > 0 {
			s += " "
		}
		s += "["
		for c := 0; c < r.Cols(); c++ {
			if c > 0 {
				s += " "
			}
			s += fmt.Sprintf("%.4g", r.At(p, c))
		}
		s += "]"
	}
	return s + "]"
}
