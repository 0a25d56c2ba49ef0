package experiments

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity/credit"
)

// creditSetting is the part of SPEC §11's setting that credit-curvature
// and credit-init share: the data, the network and its SGD.
type creditSetting struct {
	Dataset   string   `toml:"dataset"`
	TrainSize int      `toml:"train_size"`
	TestSize  int      `toml:"test_size"`
	Steps     int      `toml:"steps"`
	Hidden    int      `toml:"hidden"`
	Batch     int      `toml:"batch"`
	LR        float64  `toml:"lr"`
	Rules     []string `toml:"rules"`
}

// rules parses the setting's rule names; name prefixes the error.
func (c creditSetting) rules(name string) ([]credit.Rule, error) {
	rules := make([]credit.Rule, len(c.Rules))
	for i, s := range c.Rules {
		r, err := credit.ParseRule(s)
		if err != nil {
			return nil, fmt.Errorf("%s: rules: %w", name, err)
		}
		rules[i] = r
	}
	return rules, nil
}

type creditCurvatureConfig struct {
	creditSetting
	Iterations     int       `toml:"iterations"`
	BPTTIterations int       `toml:"bptt_iterations"`
	Every          int       `toml:"every"`
	Measure        int       `toml:"measure"`
	Lanczos        int       `toml:"lanczos"`
	Probes         int       `toml:"probes"`
	RemedyLRs      []float64 `toml:"remedy_lrs"`
}

func init() {
	register(&Experiment{
		Name:       "credit-curvature",
		Title:      "temporal credit-assignment rules on sequential MNIST: λ_top, trace and generalisation gap",
		Reproduces: "Liu et al. 2022 (SPEC §11)",
		FullTime:   "about 3 hours of wall time measured on the shared 2-core machine at low priority (5 seeds; seeds 3 and 5 diverge in their first steps for most rules, see credit-init), as estimated from BenchmarkStep/BenchmarkHessVec (≈0.6 CPU-h per seed); --quick ≈ 0.5 CPU-minutes",
		Run:        runCreditCurvature,
	})
}

// recordFields flattens a credit.Record for Env.Cell.
const recordFields = 12

func flatten(recs []credit.Record) []float64 {
	var v []float64
	for _, r := range recs {
		v = append(v, float64(r.Iter), r.TrainLoss, r.TrainAcc, r.TestLoss, r.TestAcc, r.Gap, r.LambdaTop, r.LambdaMin, r.Trace, r.TraceSE, r.Threshold, r.GradErr)
	}
	return v
}

func unflatten(v []float64) []credit.Record {
	var out []credit.Record
	for i := 0; i+recordFields <= len(v); i += recordFields {
		f := v[i : i+recordFields]
		out = append(out, credit.Record{Iter: int(f[0]), TrainLoss: f[1], TrainAcc: f[2], TestLoss: f[3], TestAcc: f[4], Gap: f[5], LambdaTop: f[6], LambdaMin: f[7], Trace: f[8], TraceSE: f[9], Threshold: f[10], GradErr: f[11]})
	}
	return out
}

type creditRun struct {
	rule string
	lr   float64
	seed int
	recs []credit.Record
}

func runCreditCurvature(env *Env, text []byte) (*Report, error) {
	var cfg creditCurvatureConfig
	if err := decode(text, &cfg); err != nil {
		return nil, err
	}
	if env.Quick {
		cfg.TrainSize, cfg.TestSize, cfg.Hidden, cfg.Batch = 10000, 2000, 32, 64
		cfg.Iterations, cfg.BPTTIterations, cfg.Every, cfg.Measure, cfg.Lanczos, cfg.Probes = 2000, 2000, 500, 256, 20, 10
		cfg.RemedyLRs = []float64{0.005}
	}
	rules, err := cfg.rules("credit-curvature")
	if err != nil {
		return nil, err
	}
	if !slices.Contains(cfg.Rules, "bptt") || !slices.Contains(cfg.Rules, "truncated") {
		return nil, fmt.Errorf("credit-curvature: rules must include bptt and truncated (the comparison of SPEC §11)")
	}
	n := seeds(env, 5, 3)
	split, err := dataset.Load(cfg.Dataset, &dataset.Options{Dir: env.DataDir, TrainSize: cfg.TrainSize, TestSize: cfg.TestSize, Seed: 1})
	if err != nil {
		return nil, err
	}
	var runs []creditRun
	do := func(r credit.Rule, lr float64, s int) error {
		iters := cfg.Iterations
		if r.Kind == credit.BPTT {
			iters = cfg.BPTTIterations
		}
		key := fmt.Sprintf("%s/lr=%g/seed=%d", r, lr, s)
		v, err := env.Cell(key, func() ([]float64, error) {
			env.Logf("%s: %d iterations", key, iters)
			_, recs, err := credit.Train(split.Train, split.Test, &credit.Settings{
				Rule: r, Steps: cfg.Steps, Hidden: cfg.Hidden, LR: lr, Batch: cfg.Batch, Iterations: iters, Every: cfg.Every,
				Measure: cfg.Measure, Lanczos: cfg.Lanczos, Probes: cfg.Probes, Seed: uint64(s),
			}, func(x credit.Record) {
				env.Logf("  %s it %d: train %.3f test %.3f λ_top %.1f λ_min %.2f", key, x.Iter, x.TrainLoss, x.TestLoss, x.LambdaTop, x.LambdaMin)
			}, nil)
			if errors.Is(err, credit.ErrDiverged) && len(recs) > 0 {
				// A rule that diverges ends its run: keep the records
				// made before, and say so.
				env.Logf("  %s: %v; keeping %d records", key, err, len(recs))
				return flatten(recs), nil
			}
			if err != nil {
				return nil, err
			}
			return flatten(recs), nil
		})
		if err != nil {
			return err
		}
		runs = append(runs, creditRun{rule: r.String(), lr: lr, seed: s, recs: unflatten(v)})
		return nil
	}
	for s := 1; s <= n; s++ {
		for _, r := range rules {
			if err := do(r, cfg.LR, s); err != nil {
				return nil, err
			}
		}
		for _, lr := range cfg.RemedyLRs {
			if err := do(credit.Rule{Kind: credit.Truncated}, lr, s); err != nil {
				return nil, err
			}
		}
	}
	// records.csv
	var rows [][]string
	for _, r := range runs {
		for _, x := range r.recs {
			rows = append(rows, []string{r.rule, output.F(r.lr), fmt.Sprint(r.seed), fmt.Sprint(x.Iter), output.F(x.TrainLoss), output.F(x.TrainAcc),
				output.F(x.TestLoss), output.F(x.TestAcc), output.F(x.Gap), output.F(x.LambdaTop), output.F(x.LambdaMin), output.F(x.Trace), output.F(x.TraceSE), output.F(x.Threshold), output.F(x.GradErr)})
		}
	}
	if err := output.WriteCSV(env.Path("records.csv"), []string{"rule", "lr", "seed", "iter", "train_loss", "train_acc", "test_loss", "test_acc", "gap", "lambda_top", "lambda_min", "trace", "trace_se", "two_over_eta", "grad_err"}, rows); err != nil {
		return nil, err
	}
	find := func(rule string, lr float64, s int) []credit.Record {
		for _, r := range runs {
			if r.rule == rule && r.lr == lr && r.seed == s {
				return r.recs
			}
		}
		return nil
	}
	rep := &Report{Seeds: n}
	// matched training loss: each rule against bptt, per seed
	var mrows [][]string
	// done reports whether a run reached its last iteration: a run that
	// diverged stops early and is left out of the comparisons.
	done := func(rule string, recs []credit.Record) bool {
		want := cfg.Iterations
		if rule == "bptt" {
			want = cfg.BPTTIterations
		}
		return len(recs) > 0 && recs[len(recs)-1].Iter == want
	}
	// Rules are compared with bptt at a matched training loss, two ways.
	// (1) At the larger of the two final training losses (a loss both
	// runs reached), each run read at its first record at or below it
	// (records are Every iterations apart, so the faster rule can
	// overshoot by one interval) and interpolated linearly in the loss
	// between the records around the crossing. (2) At the lowest loss both
	// runs reached (interpolated): SGD near 2/η has loss spikes, and a last
	// record on a spike would otherwise move the comparison back to a
	// higher loss.
	for _, r := range rules[1:] {
		var ratios, iratios, lratios []float64
		wins, iwins, lwins := 0, 0, 0
		for s := 1; s <= n; s++ {
			b, a := find("bptt", cfg.LR, s), find(r.String(), cfg.LR, s)
			if !done("bptt", b) || !done(r.String(), a) {
				continue
			}
			target := credit.MatchedLoss(b, a)
			rb, ok1 := credit.AtLoss(b, target)
			ra, ok2 := credit.AtLoss(a, target)
			ib, lb, ok3 := credit.Interp(b, target)
			ia, la, ok4 := credit.Interp(a, target)
			low := credit.LowestCommonLoss(b, a)
			jb, mb, ok5 := credit.Interp(b, low)
			ja, ma, ok6 := credit.Interp(a, low)
			if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
				continue
			}
			ratios = append(ratios, ra.LambdaTop/rb.LambdaTop)
			iratios = append(iratios, la/lb)
			lratios = append(lratios, ma/mb)
			if ra.LambdaTop > rb.LambdaTop {
				wins++
			}
			if la > lb {
				iwins++
			}
			if ma > mb {
				lwins++
			}
			mrows = append(mrows, []string{r.String(), fmt.Sprint(s), output.F(target), fmt.Sprint(rb.Iter), output.F(rb.LambdaTop), fmt.Sprint(ra.Iter), output.F(ra.LambdaTop), output.F(ra.LambdaTop / rb.LambdaTop),
				output.F(ib), output.F(lb), output.F(ia), output.F(la), output.F(la / lb),
				output.F(low), output.F(jb), output.F(mb), output.F(ja), output.F(ma), output.F(ma / mb)})
		}
		paper := "—"
		if r.Kind == credit.Truncated {
			paper = "2.2–4.1 (reduced replication, SPEC §11)"
		}
		rep.Rows = append(rep.Rows,
			Row{Quantity: fmt.Sprintf("λ_top %s / bptt at the larger final train loss (first records)", r), Ours: NewStat("", ratios...), Paper: paper, Note: fmt.Sprintf("%s sharper in %d of %d seeds", r, wins, len(ratios))},
			Row{Quantity: fmt.Sprintf("λ_top %s / bptt at the larger final train loss (interpolated)", r), Ours: NewStat("", iratios...), Paper: paper, Note: fmt.Sprintf("%s sharper in %d of %d seeds", r, iwins, len(iratios))},
			Row{Quantity: fmt.Sprintf("λ_top %s / bptt at the lowest train loss both reached (interpolated)", r), Ours: NewStat("", lratios...), Paper: paper, Note: fmt.Sprintf("%s sharper in %d of %d seeds", r, lwins, len(lratios))})
	}
	if err := output.WriteCSV(env.Path("matched.csv"), []string{"rule", "seed", "matched_train_loss", "bptt_iter", "bptt_lambda_top", "rule_iter", "rule_lambda_top", "ratio",
		"bptt_iter_interp", "bptt_lambda_top_interp", "rule_iter_interp", "rule_lambda_top_interp", "ratio_interp",
		"lowest_common_loss", "bptt_iter_low", "bptt_lambda_top_low", "rule_iter_low", "rule_lambda_top_low", "ratio_low"}, mrows); err != nil {
		return nil, err
	}
	// final values per rule (and remedy)
	var lam, gap []float64
	var divergedRuns []string
	addFinal := func(name string, lr float64) {
		var lt, lm, g, ta, ge []float64
		diverged := 0
		for s := 1; s <= n; s++ {
			recs := find(name, lr, s)
			if len(recs) == 0 {
				continue
			}
			if !done(name, recs) {
				diverged++
				divergedRuns = append(divergedRuns, fmt.Sprintf("%s/lr=%g/seed=%d (last record at iteration %d)", name, lr, s, recs[len(recs)-1].Iter))
				continue
			}
			f := recs[len(recs)-1]
			lt, g, ta, ge = append(lt, f.LambdaTop), append(g, f.Gap), append(ta, f.TestAcc), append(ge, f.GradErr)
			lm = append(lm, credit.LateMedian(recs, 0.25))
			if lr == cfg.LR {
				lam, gap = append(lam, f.LambdaTop), append(gap, f.Gap)
			}
		}
		label := name
		if lr != cfg.LR {
			label = fmt.Sprintf("%s, lr %g (remedy)", name, lr)
		}
		paper := "—"
		switch {
		case name == "bptt":
			paper = "median 230 ≈ 2/η (N=32 replication)"
		case name == "truncated" && lr == cfg.LR:
			paper = "531–679 at 9000 it. (N=32 replication)"
		}
		rep.Rows = append(rep.Rows,
			Row{Quantity: "final λ_top, " + label, Ours: NewStat("", lt...), Paper: paper, Note: fmt.Sprintf("2/η = %g%s", 2/lr, divergedNote(diverged))},
			Row{Quantity: "median λ_top over the last quarter of training, " + label, Ours: NewStat("", lm...), Paper: paper, Note: fmt.Sprintf("2/η = %g", 2/lr)},
			Row{Quantity: "final loss gap, " + label, Ours: NewStat("", g...), Paper: "—"},
			Row{Quantity: "final test accuracy, " + label, Ours: NewStat("%", ta...), Paper: "—"},
			Row{Quantity: "final ‖ĝ−∇L‖/‖∇L‖, " + label, Ours: NewStat("", ge...), Paper: "—"})
	}
	for _, r := range rules {
		addFinal(r.String(), cfg.LR)
	}
	for _, lr := range cfg.RemedyLRs {
		addFinal("truncated", lr)
	}
	lo, hi, rr := bootstrapCorr(lam, gap, 2000, seed.New(1, seed.Sample, 12))
	rep.Rows = append(rep.Rows, Row{Quantity: "corr(final λ_top, final gap) over rules × seeds", Ours: NewStat("", rr), Paper: "positive (Liu et al.)", Note: fmt.Sprintf("95%% bootstrap interval [%.2f, %.2f], n=%d", lo, hi, len(lam))})
	if len(divergedRuns) > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("Runs whose loss stopped being finite (left out of the comparisons and the final values; their records up to the last measurement are in records.csv and the figure): %s. `evolve experiment run credit-init` counts, over many network seeds, how often SPEC §11's initialisation makes the first SGD steps diverge.", strings.Join(divergedRuns, "; ")))
	}
	if env.Quick {
		rep.Notes = append(rep.Notes, fmt.Sprintf("--quick: N=%d, batch %d, %d iterations, Hessian of the W_rec block on %d training examples; not the full size", cfg.Hidden, cfg.Batch, cfg.Iterations, cfg.Measure))
	}
	return rep, creditFigures(env, runs, rules, cfg)
}

func divergedNote(k int) string {
	if k == 0 {
		return ""
	}
	return fmt.Sprintf("; diverged (left out) in %d seed(s)", k)
}

// bootstrapCorr returns the 2.5 and 97.5 percentiles of Pearson's r over
// bootstrap resamples of the pairs, and r itself.
func bootstrapCorr(x, y []float64, b int, rng *rand.Rand) (lo, hi, r float64) {
	if len(x) < 3 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	r = stat.Correlation(x, y, nil)
	rs := make([]float64, 0, b)
	xs, ys := make([]float64, len(x)), make([]float64, len(x))
	for k := 0; k < b; k++ {
		for i := range xs {
			j := rng.IntN(len(x))
			xs[i], ys[i] = x[j], y[j]
		}
		if c := stat.Correlation(xs, ys, nil); !math.IsNaN(c) {
			rs = append(rs, c)
		}
	}
	slices.Sort(rs)
	if len(rs) == 0 {
		return math.NaN(), math.NaN(), r
	}
	return stat.Quantile(0.025, stat.Empirical, rs, nil), stat.Quantile(0.975, stat.Empirical, rs, nil), r
}

// creditFigures draws credit-curvature.png/svg: one panel per rule with
// λ_top against the training loss for every seed (the 2/η line dashed,
// one shared log scale so panels compare), and a last panel with the
// final gap against the final λ_top of every run that reached its last
// iteration (diverged runs are left out there; their records stay in the
// rule's panel).
func creditFigures(env *Env, runs []creditRun, rules []credit.Rule, cfg creditCurvatureConfig) error {
	// Diverging runs and bad initialisations reach losses of 5–200; the
	// comparison happens below chance (ln 10 ≈ 2.3), so the loss axis ends
	// at clipLoss and the λ_top axis spans the points drawn, not those off
	// scale (an initialisation's λ_top can be 10⁵).
	const clipLoss = 3.0
	minL, maxL := math.Inf(1), math.Inf(-1)
	minY, maxY := math.Inf(1), math.Inf(-1)
	logY := true
	for _, run := range runs {
		if run.lr != cfg.LR || len(run.recs) < 2 {
			continue
		}
		for _, x := range run.recs[1:] {
			minL, maxL = math.Min(minL, x.TrainLoss), math.Max(maxL, x.TrainLoss)
			if x.TrainLoss > clipLoss {
				continue
			}
			minY, maxY = math.Min(minY, x.LambdaTop), math.Max(maxY, x.LambdaTop)
			if !(x.LambdaTop > 0) {
				logY = false
			}
		}
	}
	threshold := 2 / cfg.LR
	minY, maxY = math.Min(minY, threshold), math.Max(maxY, threshold)
	var plots []*plot.Plot
	for _, r := range rules {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s: λ_top (W_rec) against training loss", r)
		p.X.Label.Text = "training loss (runs go right to left)"
		p.Y.Label.Text = "λ_top"
		p.Legend.Top = true
		p.Legend.Left = true
		p.Legend.TextStyle.Font.Size = vg.Points(9)
		for _, run := range runs {
			if run.rule != r.String() || run.lr != cfg.LR || len(run.recs) < 2 {
				continue
			}
			var xy plotter.XYs
			for _, x := range run.recs[1:] {
				xy = append(xy, plotter.XY{X: x.TrainLoss, Y: x.LambdaTop})
			}
			l, pts, err := plotter.NewLinePoints(xy)
			if err != nil {
				return err
			}
			// One colour, dash and marker per seed, the same in every
			// panel; the markers are the measurements (a run that
			// diverged early may have a single one).
			l.Color = plotutil.Color(run.seed - 1)
			l.Dashes = plotutil.Dashes(run.seed - 1)
			l.Width = vg.Points(1.2)
			pts.Color = l.Color
			pts.Shape = plotutil.Shape(run.seed - 1)
			pts.Radius = vg.Points(2)
			p.Add(l, pts)
			name := fmt.Sprintf("seed %d", run.seed)
			if last := run.recs[len(run.recs)-1]; (r.Kind == credit.BPTT && last.Iter != cfg.BPTTIterations) || (r.Kind != credit.BPTT && last.Iter != cfg.Iterations) {
				name += fmt.Sprintf(" (diverged after it. %d)", last.Iter)
			}
			p.Legend.Add(name, l, pts)
		}
		if !math.IsInf(minL, 0) {
			g, err := plotter.NewLine(plotter.XYs{{X: minL, Y: threshold}, {X: maxL, Y: threshold}})
			if err != nil {
				return err
			}
			g.Color = color.Gray{Y: 60}
			g.Width = vg.Points(1.5)
			g.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
			p.Add(g)
			p.Legend.Add(fmt.Sprintf("2/η = %g", threshold), g)
			p.X.Min, p.X.Max = minL, maxL
		}
		// Ticks every 0.2 in the loss, labelled every 0.4 (gonum's default
		// labels three).
		var xt []plot.Tick
		for k := 0; k <= 20; k++ {
			t := plot.Tick{Value: 0.2 * float64(k)}
			if k%2 == 0 {
				t.Label = strconv.FormatFloat(t.Value, 'f', 1, 64)
			}
			xt = append(xt, t)
		}
		p.X.Tick.Marker = plot.ConstantTicks(xt)
		if p.X.Max > clipLoss {
			p.X.Max = clipLoss
			p.X.Label.Text = fmt.Sprintf("training loss (runs go right to left; > %g off scale)", clipLoss)
		}
		// λ_top spans orders of magnitude (collapsed runs near 1, sharp
		// ones past 1000): a log axis when every value allows it, with
		// room above the data for the legend.
		if logY {
			p.Y.Scale = plot.LogScale{}
			p.Y.Tick.Marker = output.LogTicks{}
			p.Y.Label.Text = "λ_top (log scale)"
			// The legend's few lines take about a fifth of the panel:
			// a quarter of the data's decades above it (at least 0.4).
			p.Y.Min, p.Y.Max = minY/1.3, maxY*math.Pow(10, math.Max(0.4, 0.3*math.Log10(maxY/minY)))
		} else if !math.IsInf(minY, 0) {
			p.Y.Min, p.Y.Max = minY, maxY+0.8*(maxY-minY)
		}
		p.Add(plotter.NewGrid())
		plots = append(plots, p)
	}
	p2 := plot.New()
	p2.Title.Text = "final generalisation gap against final λ_top"
	p2.X.Label.Text = "final λ_top"
	p2.Y.Label.Text = "test loss − train loss"
	p2.Legend.Top = true
	lo, hi := math.Inf(1), math.Inf(-1)
	xlo, xhi := math.Inf(1), math.Inf(-1)
	for i, r := range rules {
		var finals plotter.XYs
		want := cfg.Iterations
		if r.Kind == credit.BPTT {
			want = cfg.BPTTIterations
		}
		for _, run := range runs {
			if run.rule != r.String() || run.lr != cfg.LR || len(run.recs) == 0 {
				continue
			}
			f := run.recs[len(run.recs)-1]
			if f.Iter != want {
				continue
			}
			finals = append(finals, plotter.XY{X: f.LambdaTop, Y: f.Gap})
			lo, hi = math.Min(lo, f.Gap), math.Max(hi, f.Gap)
			xlo, xhi = math.Min(xlo, f.LambdaTop), math.Max(xhi, f.LambdaTop)
		}
		if len(finals) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(finals)
		if err != nil {
			return err
		}
		sc.GlyphStyle.Color = plotutil.Color(i)
		sc.GlyphStyle.Shape = plotutil.Shape(i)
		sc.GlyphStyle.Radius = vg.Points(4)
		p2.Add(sc)
		p2.Legend.Add(r.String(), sc)
	}
	if !math.IsInf(lo, 0) {
		p2.Y.Min, p2.Y.Max = lo-0.1*(hi-lo+1e-3), hi+0.6*(hi-lo+1e-3)
		p2.X.Min, p2.X.Max = xlo-0.05*(xhi-xlo+1), xhi+0.05*(xhi-xlo+1)
	}
	p2.Add(plotter.NewGrid())
	plots = append(plots, p2)
	cols := 3
	rows := (len(plots) + cols - 1) / cols
	return output.SavePlots(env.Path("credit-curvature"), plots, rows, cols, vg.Length(cols)*14*vg.Centimeter, vg.Length(rows)*11*vg.Centimeter)
}
