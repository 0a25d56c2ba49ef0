package main

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/urfave/cli/v2"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/internal/atomicfile"
	"github.com/evolve-toolkit/evolve/internal/userconf"
	"github.com/evolve-toolkit/evolve/sim"
)

func runFlags() []cli.Flag {
	def := sim.Config{}.Defaults()
	return []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "TOML config file (unknown keys are errors; flags override it)"},
		&cli.IntFlag{Name: "generations", Aliases: []string{"g"}, Value: def.Generations, Usage: "generations (and gradient steps)"},
		&cli.Uint64Flag{Name: "seed", Value: defaultSeed, Usage: "seed of landscape, start and populations"},
		&cli.StringFlag{Name: "landscape", Value: def.Landscape.Kind, Usage: "output-rule, full-rule, quadratic, linear-ce or hebb (differentiable plasticity; settings in [landscape.hebb])"},
		&cli.StringFlag{Name: "dataset", Value: def.Landscape.Dataset, Usage: "data set of the landscape"},
		&cli.IntFlag{Name: "batch", Value: def.Landscape.Batch, Usage: "examples in the landscape's fixed batch"},
		&cli.Float64Flag{Name: "theta", Value: def.Genetics.Theta, Usage: "selection strength θ"},
		&cli.StringFlag{Name: "fitness", Value: def.Genetics.Fitness, Usage: "fitness: linear (1 − θL) or exp (exp(−θL))"},
		&cli.IntFlag{Name: "loci", Value: def.Genetics.Loci, Usage: "loci per coefficient"},
		&cli.Float64Flag{Name: "eps", Value: def.Genetics.Eps, Usage: "allele effect ε"},
		&cli.IntFlag{Name: "population", Aliases: []string{"N"}, Value: def.Genetics.Population, Usage: "Wright–Fisher population size N"},
		&cli.StringSliceFlag{Name: "evolution", Usage: "evolution runs: exact, mean-field, paper, wright-fisher (default: exact, wright-fisher)"},
		&cli.StringSliceFlag{Name: "gradient", Usage: "gradient runs: gd, adam, natural, lande (default: all)"},
		&cli.BoolFlag{Name: "stochastic", Usage: "full-rule: a new batch every generation, the batches of evolve meta for the same seed"},
		&cli.BoolFlag{Name: "graph", Usage: "full-rule: the graph rule's 4^T entries are coefficients too (needs --rounds ≥ 2)"},
		&cli.IntFlag{Name: "graph-hidden", Usage: "full-rule with --graph: the graph rule is an MLP with this many tanh hidden units, its parameters the coefficients, starting at evolve meta's random MLP (default: a table)"},
		&cli.IntFlag{Name: "rounds", Aliases: []string{"T"}, Value: def.Landscape.Network.Rounds, Usage: "rounds T of the landscape's network"},
		&cli.IntFlag{Name: "nodes", Value: def.Landscape.Network.Nodes, Usage: "nodes |V| of the landscape's network"},
		&cli.IntFlag{Name: "cap", Value: def.Landscape.Network.Cap, Usage: "cap k of the landscape's network (default |V|/2)"},
		&cli.IntFlag{Name: "train-size", Usage: "full-rule: training examples (batches, test training; default: the data set's, mnist/fashion 10000)"},
		&cli.IntFlag{Name: "test-size", Usage: "full-rule: test examples of the test accuracy (default: all)"},
		&cli.IntFlag{Name: "eval-every", Value: def.Runs.EvalEvery, Usage: "test the mean rule every K generations (full-rule; negative: never)"},
		&cli.IntFlag{Name: "replicates", Aliases: []string{"R"}, Value: def.Genetics.Replicates, Usage: "independent Wright–Fisher populations"},
		&cli.IntFlag{Name: "samples", Value: def.Genetics.Samples, Usage: "Monte Carlo samples of the exact map"},
		&cli.Float64Flag{Name: "adam-rate", Value: def.Runs.AdamRate, Usage: "learning rate of the adam run"},
		&cli.Float64Flag{Name: "adam-weight-decay", Usage: "coupled L2 weight decay of the adam run (the meta-learner's: 0.01)"},
		&cli.Float64Flag{Name: "gd-rate", Usage: "step size of the gd run (default: θ × the mean genetic variance per coefficient at the start)"},
		&cli.IntFlag{Name: "checkpoint-every", DefaultText: "timed, see --checkpoint-seconds", Usage: "checkpoint after every K-th generation, exactly (negative: only on a signal)"},
		&cli.Float64Flag{Name: "checkpoint-seconds", Value: def.Runs.CheckpointSeconds, Usage: "checkpoint when this many seconds of wall time have passed since the last one, and after the last generation (the default policy; --checkpoint-every replaces it)"},
		&cli.IntFlag{Name: "record-every", Usage: "observe and record every run every K generations (statistics, LD, trajectory rows, figures; also the tested and the last generation); the runs evolve the same for any K", DefaultText: fmt.Sprintf("⌈generations/%d⌉, every generation up to %[1]d", sim.MaxDefaultRecords)},
		&cli.Float64Flag{Name: "p", Value: def.Landscape.Network.P, Usage: "edge probability of the landscape's network"},
		&cli.Float64Flag{Name: "eta", Value: def.Landscape.Network.Eta, Usage: "step size η of the landscape's network"},
		&cli.StringFlag{Name: "recurrence", Value: string(def.Landscape.Network.Recurrence), Usage: "'paper' or 'reference' recurrence of the landscape's network"},
		&cli.BoolFlag{Name: "input-ones", Usage: "input weights of the landscape's network all 1 instead of N(0,1)"},
		&cli.StringFlag{Name: "loss", Value: string(def.Landscape.Loss), Usage: "loss of the plasticity landscapes: 'ce' or 'mse'"},
		&cli.IntFlag{Name: "dim", Value: def.Landscape.Dim, Usage: "coefficients P of the quadratic and linear-ce landscapes"},
		&cli.StringFlag{Name: "data-dir", Usage: "folder of the IDX files for mnist/fashion"},
		&cli.Float64Flag{Name: "start", Value: def.Genetics.Start, Usage: "start frequency of the +ε allele"},
		&cli.Float64Flag{Name: "spread", Usage: "draw each locus's start frequency from [start − spread, start + spread]"},
		&cli.BoolFlag{Name: "clonal", Usage: "no recombination in Wright–Fisher runs"},
		&cli.Float64Flag{Name: "mu", Usage: "mutation rate of Wright–Fisher runs"},
		&cli.StringFlag{Name: "method", Value: def.Genetics.Method, Usage: "exact expectations: auto, enumeration or monte-carlo"},
	}
}

// runBinds ties the flags of runFlags to the keys of sim.Config.
var runBinds = []bind{
	{"generations", "generations"}, {"seed", "seed"},
	{"landscape", "landscape.kind"}, {"dataset", "landscape.dataset"}, {"data-dir", "landscape.data_dir"}, {"batch", "landscape.batch"},
	{"stochastic", "landscape.stochastic"}, {"graph", "landscape.graph"}, {"graph-hidden", "landscape.graph_hidden"}, {"loss", "landscape.loss"}, {"dim", "landscape.dim"},
	{"train-size", "landscape.train_size"}, {"test-size", "landscape.test_size"},
	{"rounds", "landscape.network.rounds"}, {"nodes", "landscape.network.nodes"}, {"cap", "landscape.network.cap"},
	{"p", "landscape.network.p"}, {"eta", "landscape.network.eta"}, {"recurrence", "landscape.network.recurrence"}, {"input-ones", "landscape.network.input_ones"},
	{"theta", "genetics.theta"}, {"fitness", "genetics.fitness"}, {"loci", "genetics.loci"}, {"eps", "genetics.eps"},
	{"start", "genetics.start"}, {"spread", "genetics.spread"}, {"population", "genetics.population"}, {"clonal", "genetics.clonal"},
	{"mu", "genetics.mu"}, {"method", "genetics.method"}, {"samples", "genetics.samples"}, {"replicates", "genetics.replicates"},
	{"evolution", "runs.evolution"}, {"gradient", "runs.gradient"}, {"gd-rate", "runs.gd_rate"},
	{"adam-rate", "runs.adam_rate"}, {"adam-weight-decay", "runs.adam_weight_decay"},
	{"eval-every", "runs.eval_every"}, {"checkpoint-every", "runs.checkpoint_every"}, {"checkpoint-seconds", "runs.checkpoint_seconds"},
	{"record-every", "runs.record_every"},
}

// effectiveRunConfig applies defaults, the --config file and the flags the
// user set. A value the user gave that the defaults would replace (an
// explicit 0 of a field whose 0 means "default") is an error naming it.
func effectiveRunConfig(c *cli.Context) (sim.Config, error) {
	raw := sim.Config{Seed: defaultSeed}
	g := userconf.Given{}
	if err := readConfig(c, &raw, g); err != nil {
		return raw, err
	}
	applyFlags(c, &raw, g, runBinds)
	// One checkpoint policy: a flag for one replaces the file's other.
	if c.IsSet("checkpoint-every") && !c.IsSet("checkpoint-seconds") {
		raw.Runs.CheckpointSeconds = 0
		delete(g, "runs.checkpoint_seconds")
	}
	if c.IsSet("checkpoint-seconds") && !c.IsSet("checkpoint-every") {
		raw.Runs.CheckpointEvery = 0
		delete(g, "runs.checkpoint_every")
	}
	cfg := raw.Defaults()
	if err := g.Check(raw, cfg); err != nil {
		return cfg, fmt.Errorf("run: %w", err)
	}
	if label, ok := g["runs.checkpoint_every"]; ok && raw.Runs.CheckpointEvery == 0 {
		// 0 selects the timed default: not a value to give.
		return cfg, fmt.Errorf("run: %s 0 is not a valid value (leave it out for a checkpoint every %v s of wall time, or give a negative value for none)", label, cfg.Runs.CheckpointSeconds)
	}
	if label, ok := g["runs.gd_rate"]; ok && raw.Runs.GDRate == 0 {
		// 0 selects the automatic rate inside sim: not a value to give.
		return cfg, fmt.Errorf("run: %s 0 is not a valid value (leave it out for the automatic rate, θ × the mean genetic variance per coefficient at the start)", label)
	}
	return cfg, cfg.Validate()
}

func splitList(in []string) []string {
	out := []string{}
	for _, s := range in {
		for _, f := range strings.Split(s, ",") {
			if f = strings.TrimSpace(f); f != "" && f != "none" {
				out = append(out, f)
			}
		}
	}
	return out
}

func encodeTOML(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func configCommand() *cli.Command {
	return &cli.Command{
		Name:  "config",
		Usage: "configuration helpers",
		Subcommands: []*cli.Command{{
			Name:  "dump",
			Usage: "print the effective configuration of 'evolve run' (defaults, --config file, flags) as TOML",
			Flags: append(runFlags(), &cli.BoolFlag{Name: "check", Usage: "print the effective configuration of 'evolve check' instead (its --config file and the flags both commands share)"}),
			Action: func(c *cli.Context) error {
				if c.Bool("check") {
					cfg, err := effectiveCheckConfig(c)
					if err != nil {
						return err
					}
					b, err := encodeTOML(cfg)
					if err != nil {
						return err
					}
					_, err = c.App.Writer.Write(b)
					return err
				}
				cfg, err := effectiveRunConfig(c)
				if err != nil {
					return err
				}
				b, err := encodeTOML(cfg)
				if err != nil {
					return err
				}
				_, err = c.App.Writer.Write(b)
				return err
			},
		}},
	}
}

func runCommand() *cli.Command {
	flags := append(runFlags(),
		&cli.StringFlag{Name: "out", Usage: "output folder (default: a new folder runs/YYYYMMDD-HHMMSS-xxxxxx; a finished result is kept unless --force)"},
		&cli.StringFlag{Name: "resume", Usage: "continue the interrupted run in this folder (its config.toml and checkpoint.bin)"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"},
		forceFlag, printConfigFlag,
	)
	return &cli.Command{
		Name:  "run",
		Usage: "evolution and gradient descent side by side on one fitness landscape",
		Description: `With no arguments, runs the built-in default: the output rule of a |V| = 100, k = 50,
T = 1 network on halfspace (4 coefficients, each the sum of 6 alleles ±0.05), evolved by the
exact allele-frequency map and a Wright–Fisher population (N = 1000) next to gradient descent,
Adam, the natural gradient on allele frequencies and Lande's preconditioned gradient.

Writes to --out: config.toml (the effective config), trajectory.csv (every run at every
recorded generation), meta.json (config, seed, version, timings, summary), figures loss,
coefficients and frequencies as PNG and SVG, and checkpoint.bin (with a checksum): by default
once 30 s of wall time have passed since the last one (--checkpoint-seconds) and after the
last generation; with --checkpoint-every K after every K-th generation instead, exactly
(negative: only on a signal). When checkpoints are written never changes the result.
--record-every K records generations 0, K, 2K, …, the last one and those whose test
accuracy is measured: statistics, linkage disequilibrium (ld, the mean |D| over 100 sampled
locus pairs, and its standard error ld_se), the loss at the mean and the figures are
computed only there, so long runs on cheap landscapes spend their time evolving. The
default is ⌈generations/500⌉: every generation of runs up to 500 generations, about 500
recorded generations of longer ones (--record-every 1 records them all). The runs
themselves, and every recorded row, are the same for any K.
Interrupt with Ctrl-C or SIGTERM (exit status 130 or 143; Slurm and Kubernetes stop jobs
with SIGTERM) and continue with --resume DIR: the result equals an uninterrupted run.
A finished result in --out is an error unless --force.

The paper's whole rule (SPEC §12): --landscape full-rule --rounds 3 --graph evolves the
T = 3 graph rule (8×8 entries) and output rule (8×2), 80 coefficients. With --stochastic
every generation trains on a new batch, the batch evolve meta uses at the same step for the
same seed, shared by every individual and run (common random numbers); the adam run with
--adam-weight-decay 0.01 (and --adam-rate 0.01, zero start) is then evolve meta, bit for bit.
Every --eval-every generations each run's mean rule trains a fresh network on the training
set and its test accuracy is recorded; trajectory.csv has test_accuracy, evaluations and cost
(training examples processed: N × batch per Wright–Fisher generation, one batch per gradient
step, samples × P × (loci + 1) batches per Monte Carlo exact-map generation). With more than 8
coefficients the summary prints loss, test accuracy, cost and the distance to adam per run and
the final rules as small matrices; rules.png shows them as heat maps, accuracy.png the test
accuracy against generation and against cost. --replicates R runs R populations (own
streams), drawn as mean ± sd. --graph-hidden H makes the graph rule an MLP (H tanh units over the
2T pattern bits, evolve meta --graph mlp --hidden H): its H·(2T + 2) + 1 parameters are the
coefficients, every run starts at evolve meta's random MLP, and the summary and rules.png show
the table it computes.

Choosing θ, ε and loci. Coefficient p is c_p + Σ of n alleles ±ε, so it ranges over c_p ± nε
(--loci n, --eps ε): the range must hold the rule you hope to find (the meta-learner's T = 3
rules reach |entries| of a few tenths to 1). Selection moves the mean by Lande's equation,
ΔȲ ≈ −θ G ∇L(Ȳ), G = 4ε² Σ_ℓ x(1 − x) per coefficient, about θ n ε² at x = ½: the effective
learning rate. Adam moves each entry by about its rate (0.01) per step; θ n ε² · |∂L/∂Y| of the
same size keeps evolution at a comparable pace. Drift is weaker than selection when
N θ · 2ε |∂L/∂Y| ≫ 1. Exp fitness (--fitness exp) accepts any θ. On the full-rule landscape
the defaults are these values: --loci 20 --eps 0.05 (range ±1), --theta 0.6 (θnε² = 0.03),
--fitness exp, --samples 2 (Monte Carlo exact map). A full-rule example that
runs in about 20 seconds on two cores (README): --loci 20 --eps 0.05 --theta 0.6 --fitness exp
--population 200 -R 2 --batch 100 -g 60 --dataset relu1 --evolution wright-fisher --gradient adam.`,
		Flags:  flags,
		Action: runRun,
	}
}

func runRun(c *cli.Context) (err error) {
	stdout, stderr := c.App.Writer, c.App.ErrWriter
	var cfg sim.Config
	var resume []byte
	out := c.String("out")
	var od *outDir
	if dir := c.String("resume"); dir != "" {
		if err := readResumeConfig(c, "run", dir, out, runBinds, &cfg); err != nil {
			return err
		}
		cfg = cfg.Defaults()
		if _, err := os.Stat(filepath.Join(dir, "meta.json")); err == nil {
			fmt.Fprintf(stdout, "%s is finished (meta.json); nothing to resume\n", dir)
			return nil
		}
		b, err := atomicfile.ReadChecked(filepath.Join(dir, "checkpoint.bin"))
		if err != nil {
			return fmt.Errorf("run: resume: %w", err)
		}
		resume, out = b, dir
		od = &outDir{Path: dir}
	} else {
		if cfg, err = effectiveRunConfig(c); err != nil {
			return err
		}
		if c.Bool("print-config") {
			return printConfig(c, cfg)
		}
		if out == "" {
			out = filepath.Join("runs", uniqueName(""))
		}
		if od, err = openOut(out, "meta.json", c.Bool("force")); err != nil {
			return fmt.Errorf("run: %w", err)
		}
		if _, err := os.Stat(filepath.Join(out, "checkpoint.bin")); err == nil && !c.Bool("force") {
			return fmt.Errorf("run: %s holds an interrupted run; continue it with --resume %s, or give --force to start over", out, out)
		}
		if c.Bool("force") {
			os.Remove(filepath.Join(out, "checkpoint.bin"))
		}
	}
	ctx, received, stop := signalContext(c.Context)
	defer stop()
	defer func() {
		if err != nil && received() == nil {
			od.Discard() // a failed new run leaves no half-made folder
		}
	}()
	if resume == nil {
		b, err := encodeTOML(cfg)
		if err != nil {
			return err
		}
		if err := atomicfile.Write(filepath.Join(out, "config.toml"), b); err != nil {
			return err
		}
	}
	t0 := time.Now()
	land, err := cfg.Landscape.Build()
	if err != nil {
		return err
	}
	tBuild := time.Since(t0)
	bar := newProgress(stderr, cfg.Generations, "generations", c.Bool("quiet"))
	t1 := time.Now()
	res, err := sim.Run(cfg, land, &sim.Settings{
		Progress:   func(g, _ int) { bar.Set(g, "") },
		Checkpoint: func(b []byte) error { return atomicfile.WriteChecked(filepath.Join(out, "checkpoint.bin"), b) },
		Resume:     resume,
		Stop:       func() bool { return ctx.Err() != nil },
	})
	bar.Done()
	if errors.Is(err, sim.ErrStopped) {
		sig := received()
		if sig == nil {
			sig = os.Interrupt
		}
		od.created = false // keep the checkpoint
		return stoppedExit(sig, fmt.Sprintf("run: stopped by %v after the last checkpoint; continue with: evolve run --resume %s", sig, out))
	}
	if err != nil {
		return err
	}
	tRun := time.Since(t1)
	if err := writeTrajectory(filepath.Join(out, "trajectory.csv"), res); err != nil {
		return err
	}
	sh, hasShape := shapeOf(land.Dim(), land)
	if err := runFigures(out, res, sh, hasShape); err != nil {
		return err
	}
	final := res.Final()
	ref := refRun(res)
	summary := make([]map[string]any, len(final))
	for i, o := range final {
		summary[i] = map[string]any{"run": o.Run, "kind": o.Kind, "loss": jsonFloat(o.Loss), "mean_loss": jsonFloat(o.MeanLoss), "distance": jsonFloat(o.Distance),
			"test_accuracy": jsonFloat(o.TestAccuracy), "evaluations": o.Evaluations, "cost": o.Cost, "distance_to_" + res.Runs[ref]: dist(o.Y, final[ref].Y), "y": o.Y}
	}
	meta := map[string]any{
		"command": "run", "version": buildVersion(), "config": res.Config, "seed": cfg.Seed,
		"coefficients":    land.Dim(),
		"runs":            res.Runs,
		"timings_seconds": map[string]float64{"landscape": tBuild.Seconds(), "run": tRun.Seconds()},
		"final":           summary,
		"resumed":         resume != nil,
		"checkpoints":     checkpointPolicy(res.Config.Runs),
	}
	if err := writeJSON(filepath.Join(out, "meta.json"), meta); err != nil {
		return err
	}
	figs := "loss/coefficients/frequencies"
	if land.Dim() > 8 {
		printRuleSummary(stdout, res, sh, hasShape)
		figs = "loss/rules/frequencies"
	} else {
		printSummary(stdout, res, land.Dim())
	}
	if hasAccuracy(res) {
		figs += "/accuracy"
	}
	fmt.Fprintf(stdout, "\n%d generations in %.1fs; wrote %s (trajectory.csv, meta.json, %s .png/.svg)\n", cfg.Generations, tRun.Seconds(), out, figs)
	return nil
}

// checkpointPolicy says in words when the run writes checkpoint.bin.
func checkpointPolicy(r sim.Runs) string {
	switch {
	case r.CheckpointEvery > 0:
		return fmt.Sprintf("after every %d-th generation, and on SIGINT or SIGTERM", r.CheckpointEvery)
	case r.CheckpointEvery < 0:
		return "only on SIGINT or SIGTERM"
	}
	return fmt.Sprintf("once %v s of wall time have passed since the last, after the last generation, and on SIGINT or SIGTERM", r.CheckpointSeconds)
}

// jsonFloat turns NaN into nil, which JSON can hold.
func jsonFloat(v float64) any {
	if v != v {
		return nil
	}
	return v
}

func writeTrajectory(path string, res *sim.Result) error {
	P := 0
	if len(res.Observations) > 0 {
		P = len(res.Observations[0].Y)
	}
	header := []string{"generation", "run", "kind", "loss", "mean_loss", "mean_fitness", "genetic_variance", "distance", "test_accuracy", "evaluations", "cost"}
	for p := 0; p < P; p++ {
		header = append(header, fmt.Sprintf("y%d", p))
	}
	header = append(header, "freq_min", "freq_q25", "freq_median", "freq_q75", "freq_max", "ld", "ld_se")
	rows := make([][]string, 0, len(res.Observations))
	for _, o := range res.Observations {
		row := []string{fmt.Sprint(o.Generation), o.Run, o.Kind, ftoa(o.Loss), ftoa(o.MeanLoss), ftoa(o.MeanFitness), ftoa(o.GeneticVariance), ftoa(o.Distance),
			ftoa(o.TestAccuracy), fmt.Sprint(o.Evaluations), ftoa(o.Cost)}
		for _, y := range o.Y {
			row = append(row, ftoa(y))
		}
		for _, q := range o.FreqQuantiles {
			row = append(row, ftoa(q))
		}
		row = append(row, ftoa(o.LD), ftoa(o.LDErr))
		rows = append(rows, row)
	}
	return writeCSV(path, header, rows)
}

func printSummary(w io.Writer, res *sim.Result, P int) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "run\tkind\tL(Ȳ)\tE[L(Y)]\t‖Ȳ − Ȳ_%s‖\tY\n", res.Runs[0])
	for _, o := range res.Final() {
		ys := make([]string, len(o.Y))
		for i, y := range o.Y {
			ys[i] = fmt.Sprintf("%+.4f", y)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.5f\t%s\t%.4g\t[%s]\n", o.Run, o.Kind, o.Loss, nanDash(o.MeanLoss), o.Distance, strings.Join(ys, " "))
	}
	tw.Flush()
}

func nanDash(v float64) string {
	if v != v {
		return "—"
	}
	return fmt.Sprintf("%.5f", v)
}

// runFigures draws the loss of every run, every coefficient's trajectory
// and the spread of allele frequencies of the evolution runs.
func runFigures(out string, res *sim.Result, sh ruleShape, hasShape bool) error {
	n := len(res.Runs)
	P := len(res.Observations[0].Y)
	byRun := func(f func(o sim.Observation) (float64, bool)) []curve {
		cs := make([]curve, n)
		for i, name := range res.Runs {
			cs[i] = curve{Name: name, Dashed: res.Kinds[i] == "gradient"}
		}
		for k, o := range res.Observations {
			if v, ok := f(o); ok {
				cs[k%n].XY = append(cs[k%n].XY, plotter.XY{X: float64(o.Generation), Y: v})
			}
		}
		var keep []curve
		for _, c := range cs {
			if len(c.XY) > 0 {
				keep = append(keep, c)
			}
		}
		return keep
	}
	lossCurves := groupedCurves(res, func(o sim.Observation) (float64, float64, bool) { return float64(o.Generation), o.Loss, true })
	lp, err := linePlot("loss at the mean coefficients (on the generation's batch)", "generation / step", "L(Ȳ)", lossCurves, false)
	if err != nil {
		return err
	}
	legendAbove(lp, lossCurves)
	if err := savePlots(filepath.Join(out, "loss"), []*plot.Plot{lp}, 1, 1, 7*vg.Inch, 4.5*vg.Inch); err != nil {
		return err
	}
	if _, err := accuracyFigures(out, res); err != nil {
		return err
	}
	if P > 8 {
		// Many coefficients: the final rules as heat maps, not 80 panels.
		if hasShape {
			if err := ruleHeatmaps(filepath.Join(out, "rules"), res, sh); err != nil {
				return err
			}
		}
		return freqFigure(out, res)
	}
	var coef []*plot.Plot
	for p := 0; p < P; p++ {
		cs := byRun(func(o sim.Observation) (float64, bool) { return o.Y[p], true })
		if p > 0 {
			for i := range cs {
				cs[i].Name = "" // one legend, in the first panel
			}
		}
		cp, err := linePlot(fmt.Sprintf("coefficient Y%d", p), "generation / step", fmt.Sprintf("Y%d", p), cs, false)
		if err != nil {
			return err
		}
		if p == 0 {
			legendAbove(cp, cs)
		}
		coef = append(coef, cp)
	}
	cols := min(P, 2)
	rows := (P + cols - 1) / cols
	if err := savePlots(filepath.Join(out, "coefficients"), coef, rows, cols, vg.Length(cols)*5*vg.Inch, vg.Length(rows)*3.5*vg.Inch); err != nil {
		return err
	}
	return freqFigure(out, res)
}

func hasAccuracy(res *sim.Result) bool {
	for _, o := range res.Observations {
		if o.TestAccuracy == o.TestAccuracy {
			return true
		}
	}
	return false
}

// freqFigure draws the spread of allele frequencies of the evolution
// runs: one colour per run, one dash per quantile pair (median solid,
// quartiles dashed, min and max dotted), the legend above the data.
func freqFigure(out string, res *sim.Result) error {
	n := len(res.Runs)
	p := plot.New()
	p.Title.Text = "allele-frequency spread (quantiles over loci)"
	p.X.Label.Text = "generation"
	p.Y.Label.Text = "frequency of the +ε allele"
	dashes := [][]vg.Length{{vg.Points(1), vg.Points(2.5)}, {vg.Points(5), vg.Points(3)}, nil, {vg.Points(5), vg.Points(3)}, {vg.Points(1), vg.Points(2.5)}}
	k := 0
	for i, name := range res.Runs {
		if res.Kinds[i] != "evolution" || res.Observations[i].FreqQuantiles[0] != res.Observations[i].FreqQuantiles[0] {
			continue
		}
		col := plotutil.Color(k)
		k++
		for q := range dashes {
			var xy plotter.XYs
			for j := i; j < len(res.Observations); j += n {
				o := res.Observations[j]
				xy = append(xy, plotter.XY{X: float64(o.Generation), Y: o.FreqQuantiles[q]})
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return fmt.Errorf("frequencies: %s: %w", name, err)
			}
			l.Color, l.Width, l.Dashes = col, vg.Points(1.5), dashes[q]
			if q != 2 {
				l.Width = vg.Points(1)
			}
			p.Add(l)
			if q == 2 {
				p.Legend.Add(name, l)
			}
		}
	}
	if k == 0 {
		return nil
	}
	for q, label := range []string{"min / max", "quartiles", "median"} {
		l, _ := plotter.NewLine(plotter.XYs{{}})
		l.Color, l.Dashes = color.Gray{Y: 90}, dashes[q]
		p.Legend.Add(label, l)
	}
	// Frequencies lie in [0, 1]; the room above 1 holds the legend.
	legendRows := float64(k + 3)
	p.Y.Min, p.Y.Max = 0, 1+0.075*legendRows
	p.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 0.25, Label: "0.25"}, {Value: 0.5, Label: "0.5"}, {Value: 0.75, Label: "0.75"}, {Value: 1, Label: "1"}})
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = vg.Points(8)
	p.Add(plotter.NewGrid())
	return savePlots(filepath.Join(out, "frequencies"), []*plot.Plot{p}, 1, 1, 7*vg.Inch, 4.5*vg.Inch)
}
