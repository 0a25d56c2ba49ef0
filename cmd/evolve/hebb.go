package main

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/urfave/cli/v2"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/experiments"
	"github.com/evolve-toolkit/evolve/internal/atomicfile"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/plasticity/hebb"
)

// hebbConfig is the configuration of "evolve hebb train".
type hebbConfig = experiments.HebbConfig

const (
	hebbParamsFile     = "params.npz"
	hebbCheckpointFile = "checkpoint.bin"
)

// hebbTrainFlags are the flags of "evolve hebb train" and "evolve hebb config".
func hebbTrainFlags() []cli.Flag {
	def := experiments.DefaultHebbConfig(experiments.HebbPatternsReduced)
	return []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "TOML config file (unknown keys are errors; flags override it; see 'evolve hebb config')"},
		&cli.StringFlag{Name: "task", Value: def.Task, Usage: "patterns-reduced (P=50, K=2, T=11), patterns-full (P=1000, K=5, T=106) or images"},
		&cli.StringFlag{Name: "dataset", Aliases: []string{"d"}, Value: def.Dataset, Usage: "images: mnist or fashion"},
		&cli.StringFlag{Name: "data-dir", Usage: "folder of the IDX files (default: the GoMNIST module, /usr/share/datasets/fashion-mnist)"},
		&cli.IntFlag{Name: "train-images", Value: def.TrainImages, Usage: "images: training images drawn from the training set (0: all)"},
		&cli.IntFlag{Name: "test-images", Value: def.TestImages, Usage: "images: test images drawn from the test set (0: all)"},
		&cli.IntFlag{Name: "bits", Aliases: []string{"P"}, Usage: "patterns: bits P per pattern (default: the task's)"},
		&cli.IntFlag{Name: "patterns", Aliases: []string{"K"}, Usage: "patterns: patterns K per episode (default: the task's)"},
		&cli.IntFlag{Name: "extra", Value: def.Patterns.Extra, Usage: "patterns: extra neurons without input (the non-plastic baseline uses 200)"},
		&cli.StringFlag{Name: "rule", Value: string(def.Network.Rule), Usage: "trace rule: hebb, oja or neuromodulated"},
		&cli.StringFlag{Name: "alpha", Value: string(def.Network.Alpha), Usage: "α per synapse, post (per post-neuron), shared, or none (non-plastic RNN)"},
		&cli.Float64Flag{Name: "clip", Value: def.Network.Clip, Usage: "clip the trace to [−c, c] (0: none; neuromodulated needs c > 0, default 1)"},
		&cli.Float64Flag{Name: "eta", Value: def.Network.Eta, Usage: "start of the learned trace rate η"},
		&cli.Float64Flag{Name: "init-scale", Value: def.Network.InitScale, Usage: "standard deviation of the initial w, α, w_M"},
		&cli.BoolFlag{Name: "clamp", Usage: "clamped input (x_j = u_j where u_j ≠ 0; images: always)"},
		&cli.IntFlag{Name: "episodes", Value: def.Episodes, Usage: "training episodes (task default: 5000 reduced, 2000 full, 500 images)"},
		&cli.IntFlag{Name: "batch", Value: def.Batch, Usage: "episodes per Adam step"},
		&cli.Float64Flag{Name: "lr", Value: def.LR, Usage: "Adam learning rate (images default 1e-3)"},
		&cli.IntFlag{Name: "eval-episodes", Value: def.EvalEpisodes, Usage: "fresh test episodes of the final evaluation"},
		&cli.Uint64Flag{Name: "seed", Value: def.Seed, Usage: "seed of the network, the training and the test episodes"},
		&cli.StringFlag{Name: "out", Usage: "output folder (default: a new folder runs/hebb-YYYYMMDD-HHMMSS-xxxxxx)"},
		&cli.StringFlag{Name: "resume", Usage: "continue the interrupted training in this folder (its config.toml and checkpoint.bin)"},
		&cli.BoolFlag{Name: "force", Usage: "overwrite a finished or interrupted result in --out"},
		&cli.StringSliceFlag{Name: "compare", Usage: "draw the learning curves of these finished runs (folders) beside this one in loss.png, e.g. a non-plastic baseline"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"},
	}
}

func hebbCommand() *cli.Command {
	return &cli.Command{
		Name:  "hebb",
		Usage: "differentiable plasticity (SPEC §10): train Hebbian-trace networks by BPTT, evaluate them",
		Subcommands: []*cli.Command{{
			Name:  "train",
			Usage: "train a plastic (or non-plastic) network on the pattern or image task",
			Description: `Trains the network of SPEC §10 — x(t) = tanh((w + α·Hebb) x(t−1) + u(t)) with a
Hebbian trace per connection — with Adam on the exact BPTT gradient of the episode loss.

Tasks: patterns-reduced (P = 50, K = 2, T = 11; 5000 episodes), patterns-full (the
paper's P = 1000, K = 5, T = 106; 2000 episodes, about 0.8 s per episode on one core)
and images (MNIST or Fashion-MNIST, clamped input, half erased; T = 201). The
non-plastic baseline is --alpha none, with --extra 200 for more neurons; train it first
and pass its folder to --compare to draw both learning curves in loss.png.

--out gets config.toml (the effective config), params.npz (w, alpha, eta, w_m, b_m
and config.json: format evolve-hebb/1, see README), loss.csv (episodes, training
loss and sign error of every Adam step), loss.png/svg (learning curve),
meta.json (config, seed, version, timings, final test loss and sign error) and for
images reconstructions.png/svg (original, erased input, reconstruction). Ctrl-C or
SIGTERM saves checkpoint.bin and exits (130/143); --resume DIR continues, and the
result equals an uninterrupted run.`,
			Flags:  hebbTrainFlags(),
			Action: runHebbTrain,
		}, {
			Name:      "evaluate",
			Usage:     "evaluate saved parameters (params.npz or a run folder) on fresh test episodes",
			ArgsUsage: "RUN_DIR|params.npz",
			Description: `Loads params.npz (the task and seed are in its config.json) and prints the mean
loss and sign error on fresh test episodes: with the default --seed, the same test
episodes as the final evaluation of evolve hebb train. For images --out also
writes reconstructions.png/svg.`,
			Flags: []cli.Flag{
				&cli.IntFlag{Name: "episodes", Usage: "test episodes (default: the training's eval_episodes)"},
				&cli.Uint64Flag{Name: "seed", Usage: "seed of the test episodes (default: the training's)"},
				&cli.StringFlag{Name: "data-dir", Usage: "folder of the IDX files (images)"},
				&cli.StringFlag{Name: "out", Usage: "folder for evaluate.json (and reconstructions for images)"},
			},
			Action: runHebbEvaluate,
		}, {
			Name:  "config",
			Usage: "print the effective train config as TOML (same flags as train)",
			Flags: hebbTrainFlags(),
			Action: func(c *cli.Context) error {
				cfg, err := effectiveHebbConfig(c)
				if err != nil {
					return err
				}
				return toml.NewEncoder(c.App.Writer).Encode(cfg)
			},
		}},
	}
}

// effectiveHebbConfig applies the task's defaults, the --config file and
// the flags the user set, then validates.
func effectiveHebbConfig(c *cli.Context) (hebbConfig, error) {
	task := experiments.HebbPatternsReduced
	if path := c.String("config"); path != "" {
		var peek struct {
			Task string `toml:"task"`
		}
		if _, err := toml.DecodeFile(path, &peek); err != nil {
			return hebbConfig{}, fmt.Errorf("config %s: %w", path, err)
		}
		if peek.Task != "" {
			task = peek.Task
		}
	}
	if c.IsSet("task") {
		task = c.String("task")
	}
	cfg := experiments.DefaultHebbConfig(task)
	clipSet := false
	if path := c.String("config"); path != "" {
		md, err := toml.DecodeFile(path, &cfg)
		if err != nil {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			return cfg, fmt.Errorf("config %s: unknown keys: %v", path, und)
		}
		clipSet = md.IsDefined("network", "clip")
	}
	cfg.Task = task
	if c.IsSet("dataset") {
		cfg.Dataset = c.String("dataset")
	}
	if c.IsSet("data-dir") {
		cfg.DataDir = c.String("data-dir")
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"train-images", &cfg.TrainImages}, {"test-images", &cfg.TestImages}, {"bits", &cfg.Patterns.P}, {"patterns", &cfg.Patterns.K},
		{"extra", &cfg.Patterns.Extra}, {"episodes", &cfg.Episodes}, {"batch", &cfg.Batch}, {"eval-episodes", &cfg.EvalEpisodes}} {
		if c.IsSet(f.name) {
			*f.dst = c.Int(f.name)
		}
	}
	if c.IsSet("rule") {
		cfg.Network.Rule = hebb.Rule(c.String("rule"))
	}
	if cfg.Network.Rule == hebb.RuleNeuro && !c.IsSet("clip") && !clipSet {
		cfg.Network.Clip = 1 // the neuromodulated rule's default clip (absent from file and flags)
	}
	if c.IsSet("alpha") {
		cfg.Network.Alpha = hebb.AlphaMode(c.String("alpha"))
	}
	for _, f := range []struct {
		name string
		dst  *float64
	}{{"clip", &cfg.Network.Clip}, {"eta", &cfg.Network.Eta}, {"init-scale", &cfg.Network.InitScale}, {"lr", &cfg.LR}} {
		if c.IsSet(f.name) {
			*f.dst = c.Float64(f.name)
		}
	}
	if c.IsSet("clamp") {
		cfg.Network.Clamp = c.Bool("clamp")
	}
	if c.IsSet("seed") {
		cfg.Seed = c.Uint64("seed")
	}
	if cfg.Task == experiments.HebbImages && !cfg.Network.Clamp {
		return cfg, fmt.Errorf("hebb: the image task has clamped input: clamp cannot be false")
	}
	cfg.Network.N = cfg.Neurons()
	return cfg, cfg.Validate()
}

// hebbTestSignal, if set (by tests), is asked before every step and may
// return a signal as if it had been received.
var hebbTestSignal func(done int) os.Signal

// hebbCheckpoint is what checkpoint.bin holds.
type hebbCheckpoint struct {
	Trainer []byte
	Log     []experiments.HebbPoint
	Seconds float64
}

func runHebbTrain(c *cli.Context) error {
	stdout, stderr := c.App.Writer, c.App.ErrWriter
	if c.Args().Len() > 0 {
		return fmt.Errorf("hebb train: unexpected arguments %q", c.Args().Slice())
	}
	var cfg hebbConfig
	var ck *hebbCheckpoint
	out := c.String("out")
	if dir := c.String("resume"); dir != "" {
		for _, f := range c.FlagNames() {
			if c.IsSet(f) && f != "resume" && f != "quiet" && f != "q" && f != "compare" {
				return fmt.Errorf("hebb train: --resume continues %s with its own config; --%s cannot change it", dir, f)
			}
		}
		cfg = experiments.HebbConfig{}
		if err := decodeTOML(filepath.Join(dir, "config.toml"), &cfg); err != nil {
			return fmt.Errorf("hebb train: resume: %w", err)
		}
		if err := cfg.Validate(); err != nil {
			return fmt.Errorf("hebb train: resume: %w", err)
		}
		b, err := os.ReadFile(filepath.Join(dir, hebbCheckpointFile))
		if err != nil {
			return fmt.Errorf("hebb train: resume: %w", err)
		}
		ck = &hebbCheckpoint{}
		if err := gob.NewDecoder(bytes.NewReader(b)).Decode(ck); err != nil {
			return fmt.Errorf("hebb train: resume: %s: %w", hebbCheckpointFile, err)
		}
		out = dir
	} else {
		var err error
		if cfg, err = effectiveHebbConfig(c); err != nil {
			return err
		}
		if out == "" {
			out = filepath.Join("runs", uniqueName("hebb-"))
		}
		if !c.Bool("force") {
			for _, f := range []string{"meta.json", hebbCheckpointFile} {
				if _, err := os.Stat(filepath.Join(out, f)); err == nil {
					return fmt.Errorf("hebb train: %s already holds a result (%s); use --force to overwrite or --resume to continue", out, f)
				}
			}
		}
	}
	// Runs to draw beside this one, read before the long work.
	var others []hebbCompared
	for _, d := range c.StringSlice("compare") {
		r, err := readHebbRun(d)
		if err != nil {
			return err
		}
		others = append(others, r)
	}
	if err := makeOut(out); err != nil {
		return err
	}
	if ck == nil {
		b, err := encodeTOML(cfg)
		if err != nil {
			return err
		}
		if err := atomicfile.Write(filepath.Join(out, "config.toml"), b); err != nil {
			return err
		}
		os.Remove(filepath.Join(out, hebbCheckpointFile))
	}
	t0 := time.Now()
	setup, err := cfg.Setup(nil, "")
	if err != nil {
		return err
	}
	tr, err := hebb.NewTrainer(setup.Net, setup.Train, &hebb.Settings{Episodes: cfg.Episodes, Batch: cfg.Batch, LR: cfg.LR})
	if err != nil {
		return err
	}
	var log []experiments.HebbPoint
	prev := 0.0
	if ck != nil {
		if err := tr.UnmarshalBinary(ck.Trainer); err != nil {
			return fmt.Errorf("hebb train: resume: %w", err)
		}
		log, prev = ck.Log, ck.Seconds
	}
	tSetup := time.Since(t0)

	var sig atomic.Value
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(ch)
	go func() {
		if s, ok := <-ch; ok {
			sig.Store(s)
		}
	}()
	bar := newProgress(stderr, cfg.Episodes, "hebb train", c.Bool("quiet"))
	t1 := time.Now()
	var runL, runE float64
	for tr.Done() < cfg.Episodes {
		if hebbTestSignal != nil {
			if s := hebbTestSignal(tr.Done()); s != nil {
				sig.Store(s)
			}
		}
		if s := sig.Load(); s != nil {
			bar.Done()
			st, err := tr.MarshalBinary()
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := gob.NewEncoder(&buf).Encode(hebbCheckpoint{Trainer: st, Log: log, Seconds: prev + time.Since(t1).Seconds()}); err != nil {
				return err
			}
			if err := atomicfile.Write(filepath.Join(out, hebbCheckpointFile), buf.Bytes()); err != nil {
				return err
			}
			code := 130
			if s == syscall.SIGTERM {
				code = 143
			}
			return cli.Exit(fmt.Sprintf("hebb train: interrupted after %d episodes; continue with: evolve hebb train --resume %s", tr.Done(), out), code)
		}
		l, e := tr.Step()
		log = append(log, experiments.HebbPoint{Episodes: tr.Done(), Loss: l, SignErr: e})
		// Exponential running means for the progress line.
		if len(log) == 1 {
			runL, runE = l, e
		} else {
			runL, runE = 0.98*runL+0.02*l, 0.98*runE+0.02*e
		}
		bar.Set(tr.Done(), fmt.Sprintf("loss %.4g, sign error %.4f", runL, runE))
	}
	bar.Done()
	tTrain := prev + time.Since(t1).Seconds()
	t2 := time.Now()
	evLoss, evErr := hebb.Evaluate(setup.Net, setup.Test, cfg.EvalEpisodes)
	tEval := time.Since(t2)

	net := setup.Net
	fmt.Fprintf(stdout, "task        %s (N=%d neurons, T=%d steps)\n", cfg.Task, net.N, setup.Train.NewEpisode().T)
	fmt.Fprintf(stdout, "network     rule=%s alpha=%s clip=%g clamp=%v, %d parameters\n", cfg.Network.Rule, cfg.Network.Alpha, cfg.Network.Clip, cfg.Network.Clamp, len(net.Theta))
	fmt.Fprintf(stdout, "training    %d episodes, batch %d, Adam lr %g, seed %d; η %g → %.4g\n", cfg.Episodes, cfg.Batch, cfg.LR, cfg.Seed, cfg.Network.Eta, net.Eta())
	fmt.Fprintf(stdout, "test        loss %.4g, sign error %.4f (%d fresh episodes)\n", evLoss, evErr, cfg.EvalEpisodes)
	fmt.Fprintf(stdout, "time        %.1fs training (%.1f episodes/s), %.1fs evaluating\n", tTrain, float64(cfg.Episodes)/tTrain, tEval.Seconds())

	extra, err := json.Marshal(map[string]any{"task": cfg, "command": "hebb train", "version": buildVersion(), "test_loss": evLoss, "test_sign_error": evErr})
	if err != nil {
		return err
	}
	var pb bytes.Buffer
	if err := hebb.WriteParams(&pb, net, extra); err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(out, hebbParamsFile), pb.Bytes()); err != nil {
		return err
	}
	rows := make([][]string, len(log))
	for i, p := range log {
		rows[i] = []string{fmt.Sprint(p.Episodes), ftoa(p.Loss), ftoa(p.SignErr)}
	}
	if err := writeCSV(filepath.Join(out, "loss.csv"), []string{"episodes", "loss", "sign_error"}, rows); err != nil {
		return err
	}
	if err := hebbLossFigure(filepath.Join(out, "loss"), cfg, log, filepath.Base(out), others); err != nil {
		return err
	}
	figs := "loss"
	if setup.TestImages != nil {
		if err := experiments.HebbSaveImages(filepath.Join(out, "reconstructions"), experiments.HebbReconstructions(net, setup.TestImages, 4)); err != nil {
			return err
		}
		figs += ", reconstructions"
	}
	meta := map[string]any{
		"command": "hebb train", "version": buildVersion(), "config": cfg, "seed": cfg.Seed,
		"parameters": len(net.Theta), "eta": net.Eta(),
		"test_loss": evLoss, "test_sign_error": evErr, "eval_episodes": cfg.EvalEpisodes,
		"resumed":         ck != nil,
		"timings_seconds": map[string]float64{"setup": tSetup.Seconds(), "train": tTrain, "evaluate": tEval.Seconds()},
	}
	if err := writeJSON(filepath.Join(out, "meta.json"), meta); err != nil {
		return err
	}
	os.Remove(filepath.Join(out, hebbCheckpointFile))
	fmt.Fprintf(stderr, "wrote %s (params.npz, loss.csv, meta.json, %s .png/.svg)\n", out, figs)
	return nil
}

// hebbCompared is a finished run drawn beside this one.
type hebbCompared struct {
	label string
	log   []experiments.HebbPoint
}

// readHebbRun reads the loss.csv and config.toml of a finished run.
func readHebbRun(dir string) (hebbCompared, error) {
	var cfg hebbConfig
	if err := decodeTOML(filepath.Join(dir, "config.toml"), &cfg); err != nil {
		return hebbCompared{}, fmt.Errorf("--compare %s: %w", dir, err)
	}
	rows, err := output.ReadCSV(filepath.Join(dir, "loss.csv"))
	if err != nil {
		return hebbCompared{}, fmt.Errorf("--compare %s: %w", dir, err)
	}
	if len(rows) < 2 || len(rows[0]) != 3 || rows[0][0] != "episodes" {
		return hebbCompared{}, fmt.Errorf("--compare %s: loss.csv is not a loss file of evolve hebb train", dir)
	}
	out := hebbCompared{label: hebbLabel(cfg, filepath.Base(dir))}
	for k, r := range rows[1:] {
		var p experiments.HebbPoint
		var e1, e2, e3 error
		p.Episodes, e1 = strconv.Atoi(r[0])
		p.Loss, e2 = strconv.ParseFloat(r[1], 64)
		p.SignErr, e3 = strconv.ParseFloat(r[2], 64)
		if err := errors.Join(e1, e2, e3); err != nil {
			return hebbCompared{}, fmt.Errorf("--compare %s: loss.csv line %d: %w", dir, k+2, err)
		}
		out.log = append(out.log, p)
	}
	return out, nil
}

// hebbLabel names a run in a legend: its folder, α mode and size.
func hebbLabel(cfg hebbConfig, name string) string {
	l := fmt.Sprintf("%s: α %s, N = %d", name, cfg.Network.Alpha, cfg.Neurons())
	if cfg.Network.Alpha == hebb.AlphaNone {
		l += " (non-plastic)"
	}
	return l
}

// hebbLossFigure draws the training loss and sign error (means over bins
// of consecutive steps) against episodes, with the runs of --compare.
func hebbLossFigure(base string, cfg hebbConfig, log []experiments.HebbPoint, self string, others []hebbCompared) error {
	runs := append([]hebbCompared{{label: hebbLabel(cfg, self), log: log}}, others...)
	var cl, ce []curve
	for _, r := range runs {
		loss, serr := experiments.HebbCurve(r.log, 100)
		name := r.label
		if len(runs) == 1 {
			name = ""
		}
		cl = append(cl, curve{Name: name, XY: loss, Dashed: strings.Contains(r.label, "non-plastic")})
		ce = append(ce, curve{Name: name, XY: serr, Dashed: strings.Contains(r.label, "non-plastic")})
	}
	title := fmt.Sprintf("%s, rule %s", cfg.Task, cfg.Network.Rule)
	pl, err := linePlot(title, "training episodes", "training loss (bin mean)", cl, false)
	if err != nil {
		return err
	}
	pe, err := linePlot("sign error (chance ≈ 0.25 on patterns)", "training episodes", "sign error (bin mean)", ce, false)
	if err != nil {
		return err
	}
	for _, p := range []*plot.Plot{pl, pe} {
		p.Y.Tick.Marker, p.X.Tick.Marker = experiments.HebbTicks{}, experiments.HebbTicks{}
		p.Legend.Left = false
	}
	// Room above the curves for the legend.
	for _, pc := range []struct {
		p  *plot.Plot
		cs []curve
	}{{pl, cl}, {pe, ce}} {
		top := 0.0
		for _, c := range pc.cs {
			for _, xy := range c.XY {
				top = max(top, xy.Y)
			}
		}
		pc.p.Y.Min, pc.p.Y.Max = 0, top*(1.15+0.1*float64(len(runs)))
	}
	return savePlots(base, []*plot.Plot{pl, pe}, 1, 2, 11*vg.Inch, 4.5*vg.Inch)
}

func runHebbEvaluate(c *cli.Context) error {
	if c.Args().Len() != 1 {
		return fmt.Errorf("hebb evaluate: want one run folder or params.npz, got %d arguments", c.Args().Len())
	}
	path := c.Args().First()
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, hebbParamsFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("hebb evaluate: %w", err)
	}
	net, extra, err := hebb.ReadParams(bytes.NewReader(b), int64(len(b)), path)
	if err != nil {
		return err
	}
	var ex struct {
		Task *hebbConfig `json:"task"`
	}
	if err := json.Unmarshal(extra, &ex); err != nil || ex.Task == nil {
		return fmt.Errorf("hebb evaluate: %s: config.json has no task (written by evolve hebb train?)", path)
	}
	cfg := *ex.Task
	if c.IsSet("seed") {
		cfg.Seed = c.Uint64("seed")
	}
	if c.IsSet("episodes") {
		cfg.EvalEpisodes = c.Int("episodes")
	}
	if c.IsSet("data-dir") {
		cfg.DataDir = c.String("data-dir")
	}
	if cfg.Network.Rule != net.Config().Rule || cfg.Network.Alpha != net.Config().Alpha {
		return fmt.Errorf("hebb evaluate: %s: the task's network (%s, α %s) differs from the saved one", path, cfg.Network.Rule, cfg.Network.Alpha)
	}
	setup, err := cfg.Setup(net, "")
	if err != nil {
		return err
	}
	t0 := time.Now()
	l, e := hebb.Evaluate(net, setup.Test, cfg.EvalEpisodes)
	el := time.Since(t0)
	fmt.Fprintf(c.App.Writer, "%s: %s, %d test episodes (seed %d): loss %.6g, sign error %.6g (%.1fs)\n", path, cfg.Task, cfg.EvalEpisodes, cfg.Seed, l, e, el.Seconds())
	out := c.String("out")
	if out == "" {
		return nil
	}
	if err := makeOut(out); err != nil {
		return err
	}
	if setup.TestImages != nil {
		if err := experiments.HebbSaveImages(filepath.Join(out, "reconstructions"), experiments.HebbReconstructions(net, setup.TestImages, 4)); err != nil {
			return err
		}
	}
	return writeJSON(filepath.Join(out, "evaluate.json"), map[string]any{
		"command": "hebb evaluate", "version": buildVersion(), "params": path, "task": cfg, "seed": cfg.Seed,
		"episodes": cfg.EvalEpisodes, "loss": l, "sign_error": e, "timings_seconds": map[string]float64{"evaluate": el.Seconds()},
	})
}
