package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/urfave/cli/v2"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/experiments"
	"github.com/evolve-toolkit/evolve/sim"
)

func checkCommand() *cli.Command {
	return &cli.Command{
		Name:  "check",
		Usage: "check the corrected appendix C theorem numerically (exit status 2 when a judged line fails)",
		Description: `Compares the exact one-generation allele-frequency map Δ_E with its approximations Δ_G
(SPEC §8, §13) on four landscapes: a diagonal quadratic, a full-Hessian quadratic with shared
loci (Y = Bg), linear-ce (smooth, not quadratic) and the output-rule plasticity landscape.
A slope passes within 0.05 of its expected value on analytic landscapes, 0.15 on plasticity
ones (--tolerance overrides, in (0, 0.5]); a constant within 1 % of a prediction computed
without the engine. Every expectation is exact (binomial, Poisson-binomial or enumeration, the
method printed per point); a support too large is an error, never a silent Monte Carlo.

  brute force  Δ_E against every genotype enumerated on a tiny genome (separate code):
               relative difference ≤ 1e-9, at θ₀ and θ₀2^−12. Runs before any slope.
  T1 one step  e₁(θ) = max_i |Δ_E − Δ_G|, θ = θ₀2^−j, slope over the 5 smallest θ:
               natural 2 (Δ_E is this step over W̄ = 1 − θL̃; exp: plus O(θ²));
               natural-mean 1 (∇L(Ȳ) misses the variance penalty's gradient, O(θε²));
               mean-field 2 on a quadratic (E[L|g] − L(E[Y|g]) does not depend on g), else 1;
               paper 1 with ρ = e₁/max|Δ_E| ≥ 0.5 (wrong sign, factor 2/x); null 1, ρ = 1.
               Constants: natural's e₁/θ² from brute-force moments and, on quadratics, from
               the closed form L̃ = L(Ȳ) + ½tr(HG); ρ/θ = L̃/(1 − θL̃).
  T2 horizon   max error over K = S/θ generations (checkpoints every K/8), θ from θ₀/4 down
               (θ₀ excluded from the fit): natural 1 (K steps each O(θ²)); paper, null 0 (O(1));
               natural-mean, and mean-field off a quadratic, in [0, 1] (O(θ), then an O(ε)
               plateau); mean-field 1 on a quadratic. Baum–Eagon: W̄ never decreases.
  Lande        ΔȲ = Gβ with G = B diag(4ε²x(1−x))Bᵀ and β = ∇ln w(Ȳ) ≈ −θ∇L(Ȳ), both recomputed
               at 8 states of the exact trajectory: error slope 1 (the remainder −θBu comes from
               G depending on x, relative O(ε)); on quadratics e/θ → max|Bu| in closed form, and
               with linear fitness ΔȲ = −θ(G∇L + Bu)/(1 − θL̃) exactly at every generation.
  T3 ε ∝ θ     ε = cθ with R/ε loci (disjoint loci, analytic landscapes; 3 finest points):
               relative error slope natural 1 with linear fitness (the factor 1/(1 − θL̃)) and
               2 with exp (the error is O(θ²ε²)); natural-mean 1 (O(ε)); Lande 1 (O(ε) + O(θ));
               paper and null 0.
  --finite-n   Wright–Fisher on the first landscape: RMS distance to the exact trajectory ∝ N^(−1/2)
               with free recombination (slope −0.5); clonal reported only (linkage disequilibrium
               builds up; the law is not expected) and its mean |D| at least twice free
               recombination's; bias of x_20 within 4 standard errors; neutral drift
               Var(x_t − x₀)/(x₀(1−x₀)) = 1 − (1 − 1/N)^(t+1) at t = 5, 10, 20 (the start is one
               binomial draw), within 4 standard errors of 50 populations per replicate.

Prints the error table, the slopes with their expected values, reasons and verdicts, and the
constants; writes check.csv, slopes.csv, constants.csv, meta.json and check.png/.svg to --out.
Exit status: 0 when every judged line passes, 2 when one fails (the failing lines are named),
1 on any other error.`,
		Flags: append(checkFlags(),
			&cli.StringFlag{Name: "out", Usage: "output folder (default: a new folder runs/check-YYYYMMDD-HHMMSS-xxxxxx); a finished result there is an error unless --force"},
			forceFlag,
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the verdict"},
		),
		Action: runCheck,
	}
}

// checkFlags are the flags that set the check's problem (shared with
// "evolve config dump --check").
func checkFlags() []cli.Flag {
	d := sim.CheckConfig{}.Defaults()
	return []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "TOML file of the check (keys as in 'evolve config dump --check'); flags override it"},
		&cli.BoolFlag{Name: "quick", Usage: "fewer θ values and populations (seconds; used in CI)"},
		&cli.BoolFlag{Name: "finite-n", Usage: "add the Wright–Fisher tests"},
		&cli.StringFlag{Name: "fitness", Value: d.Fitness, Usage: "linear (1 − θL) or exp (exp(−θL))"},
		&cli.Float64Flag{Name: "tolerance", Usage: "largest accepted |slope − expected| on every landscape, in (0, 0.5]", DefaultText: "0.05 analytic, 0.15 plasticity"},
		&cli.Uint64Flag{Name: "seed", Value: defaultSeed, Usage: "seed of the start frequencies, shared-loci matrices and populations"},
		&cli.Float64Flag{Name: "theta0", Usage: "largest θ", DefaultText: "½ / max L over the reachable box"},
		&cli.IntFlag{Name: "one-step", Value: d.OneStep, Usage: "number of θ values of T1 (θ₀2^−j) and, up to 8, of T3"},
		&cli.IntFlag{Name: "horizon", Value: d.Horizon, Usage: "number of θ values of T2 (θ₀2^−j−2)"},
		&cli.IntFlag{Name: "fit", Value: d.Fit, Usage: "number of smallest θ the slopes are fitted on"},
		&cli.IntSliceFlag{Name: "sizes", Usage: "population sizes of the finite-N tests", DefaultText: "250,1000,4000,16000"},
		&cli.IntFlag{Name: "replicates", Value: d.Replicates, Usage: "populations per size"},
		&cli.StringFlag{Name: "landscape", Usage: "check one landscape instead of the default four: quadratic, quadratic-shared, linear-ce, output-rule or full-rule"},
		&cli.IntFlag{Name: "coefficients", Usage: "P of the quadratic and linear-ce landscapes", DefaultText: "per landscape"},
		&cli.IntFlag{Name: "loci", Usage: "loci per coefficient (every landscape)", DefaultText: "per landscape"},
		&cli.Float64Flag{Name: "eps", Usage: "allele effect ε (every landscape)", DefaultText: "per landscape"},
		&cli.IntFlag{Name: "shared-loci", Usage: "each locus acts on this many random coefficients (Y = Bg; 0: disjoint loci)", DefaultText: "per landscape"},
		&cli.Float64SliceFlag{Name: "curvature", Usage: "diagonal Hessian of the quadratic", DefaultText: "per landscape"},
		&cli.Float64SliceFlag{Name: "optimum", Usage: "optimum of the quadratic", DefaultText: "per landscape"},
		&cli.StringFlag{Name: "hessian", Usage: "full Hessian of the quadratic, rows separated by ';' (e.g. \"1,0.5;0.5,2\")"},
		&cli.IntFlag{Name: "nodes", Usage: "|V| of the plasticity landscapes' network", DefaultText: "30"},
	}
}

// checkLandscapeDefaults returns the default check landscape of a name:
// one of the check's default landscapes, or full-rule (the output-rule
// landscape's network with the whole rule, one locus per coefficient).
func checkLandscapeDefaults(name string) (sim.CheckLandscape, error) {
	var names []string
	for _, l := range (sim.CheckConfig{}).Defaults().Landscapes {
		if l.Name == name {
			return l, nil
		}
		if l.Name == "output-rule" && name == "full-rule" {
			l.Name, l.Spec.Kind, l.Loci = "full-rule", "full-rule", 1
			return l, nil
		}
		names = append(names, l.Name)
	}
	return sim.CheckLandscape{}, fmt.Errorf("check: --landscape must be one of %s or full-rule, got %q", strings.Join(names, ", "), name)
}

func parseMatrix(s string) ([][]float64, error) {
	var m [][]float64
	for i, row := range strings.Split(s, ";") {
		var r []float64
		for _, f := range strings.Split(row, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				return nil, fmt.Errorf("check: --hessian row %d: %w", i, err)
			}
			r = append(r, v)
		}
		m = append(m, r)
	}
	return m, nil
}

// effectiveCheckConfig applies defaults, --quick, the --config file and
// the flags the user set, in that order, and validates the result.
func effectiveCheckConfig(c *cli.Context) (sim.CheckConfig, error) {
	cfg := sim.CheckConfig{EpsScaling: true, Seed: defaultSeed}.Defaults()
	if c.Bool("quick") {
		cfg.OneStep, cfg.Horizon, cfg.Fit = 8, 4, 3
		cfg.Sizes, cfg.Replicates = []int{250, 1000, 4000}, 4
	}
	if path := c.String("config"); path != "" {
		md, err := toml.DecodeFile(path, &cfg)
		if err != nil {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			return cfg, fmt.Errorf("config %s: unknown keys: %v", path, und)
		}
		// 0 means "the default" inside the library; written in a file it
		// is an error, never silently the default.
		for _, key := range []string{"tolerance", "theta0"} {
			if md.IsDefined(key) && (key == "tolerance" && cfg.Tolerance == 0 || key == "theta0" && cfg.Theta0 == 0) {
				return cfg, fmt.Errorf("config %s: %s = 0 is not allowed (leave it out for the default)", path, key)
			}
		}
	}
	// Explicit values of the flags: honoured or rejected with their name.
	for _, f := range []struct {
		name string
		min  int
	}{{"one-step", 2}, {"horizon", 1}, {"fit", 2}, {"replicates", 1}, {"loci", 1}, {"coefficients", 1}, {"nodes", 2}, {"shared-loci", 0}} {
		if c.IsSet(f.name) && c.Int(f.name) < f.min {
			return cfg, fmt.Errorf("check: --%s %d must be ≥ %d", f.name, c.Int(f.name), f.min)
		}
	}
	if c.IsSet("eps") {
		if e := c.Float64("eps"); !(e > 0) || math.IsInf(e, 1) {
			return cfg, fmt.Errorf("check: --eps %v must be positive and finite", e)
		}
	}
	for _, name := range []string{"curvature", "optimum"} {
		for i, v := range c.Float64Slice(name) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return cfg, fmt.Errorf("check: --%s entry %d is %v, want a finite number", name, i, v)
			}
		}
	}
	if c.IsSet("sizes") {
		for _, n := range c.IntSlice("sizes") {
			if n < 2 {
				return cfg, fmt.Errorf("check: --sizes: population size %d must be ≥ 2", n)
			}
		}
		if len(c.IntSlice("sizes")) < 2 {
			return cfg, fmt.Errorf("check: --sizes needs at least two population sizes, got %v", c.IntSlice("sizes"))
		}
	}
	if c.IsSet("tolerance") {
		t := c.Float64("tolerance")
		if !(t > 0 && t <= 0.5) {
			return cfg, fmt.Errorf("check: --tolerance %v is not in (0, 0.5]", t)
		}
		cfg.Tolerance = t
	}
	if c.IsSet("fitness") {
		cfg.Fitness = c.String("fitness")
		if f := cfg.Fitness; f != "linear" && f != "exp" {
			return cfg, fmt.Errorf("check: --fitness must be linear or exp, got %q", f)
		}
	}
	if c.IsSet("finite-n") {
		cfg.FiniteN = c.Bool("finite-n")
	}
	if c.IsSet("seed") {
		cfg.Seed = c.Uint64("seed")
	}
	if c.IsSet("theta0") {
		if cfg.Theta0 = c.Float64("theta0"); !(cfg.Theta0 > 0) || math.IsInf(cfg.Theta0, 1) {
			return cfg, fmt.Errorf("check: --theta0 %v must be positive and finite", cfg.Theta0)
		}
	}
	for name, dst := range map[string]*int{"one-step": &cfg.OneStep, "horizon": &cfg.Horizon, "fit": &cfg.Fit, "replicates": &cfg.Replicates} {
		if c.IsSet(name) {
			*dst = c.Int(name)
		}
	}
	if c.IsSet("sizes") {
		cfg.Sizes = c.IntSlice("sizes")
	}
	if c.IsSet("landscape") {
		l, err := checkLandscapeDefaults(c.String("landscape"))
		if err != nil {
			return cfg, err
		}
		cfg.Landscapes = []sim.CheckLandscape{l}
	}
	var hess [][]float64
	if c.IsSet("hessian") {
		var err error
		if hess, err = parseMatrix(c.String("hessian")); err != nil {
			return cfg, err
		}
	}
	// A flag that no checked landscape uses is an error, not ignored.
	uses := map[string]bool{}
	for _, l := range cfg.Landscapes {
		k := l.Spec.Kind
		uses["nodes"] = uses["nodes"] || l.Plasticity
		uses["coefficients"] = uses["coefficients"] || k == "quadratic" || k == "linear-ce"
		for _, n := range []string{"curvature", "optimum", "hessian"} {
			uses[n] = uses[n] || k == "quadratic"
		}
	}
	for _, n := range []string{"nodes", "coefficients", "curvature", "optimum", "hessian"} {
		if c.IsSet(n) && !uses[n] {
			return cfg, fmt.Errorf("check: --%s applies to none of the checked landscapes", n)
		}
	}
	for i := range cfg.Landscapes {
		l := &cfg.Landscapes[i]
		if c.IsSet("loci") {
			l.Loci = c.Int("loci")
		}
		if c.IsSet("eps") {
			l.Eps = c.Float64("eps")
		}
		if c.IsSet("shared-loci") {
			l.SharedLoci = c.Int("shared-loci")
		}
		if c.IsSet("nodes") && l.Plasticity {
			l.Spec.Network.Nodes = c.Int("nodes")
		}
		if l.Spec.Kind == "quadratic" || l.Spec.Kind == "linear-ce" {
			if c.IsSet("coefficients") {
				l.Spec.Dim = c.Int("coefficients")
				if l.Spec.Kind == "quadratic" && !c.IsSet("curvature") && !c.IsSet("optimum") {
					l.Spec.Curvature, l.Spec.Optimum = nil, nil // the fitness defaults for that P
				}
			}
		}
		if l.Spec.Kind == "quadratic" {
			if c.IsSet("curvature") {
				l.Spec.Curvature = c.Float64Slice("curvature")
			}
			if c.IsSet("optimum") {
				l.Spec.Optimum = c.Float64Slice("optimum")
			}
			if hess != nil {
				l.Hessian = hess
				if !c.IsSet("coefficients") {
					l.Spec.Dim = len(hess)
				}
				if !c.IsSet("curvature") {
					l.Spec.Curvature = make([]float64, len(hess))
					for p := range hess {
						if p < len(hess[p]) {
							l.Spec.Curvature[p] = hess[p][p]
						}
					}
				}
				if !c.IsSet("optimum") && len(l.Spec.Optimum) != len(hess) {
					l.Spec.Optimum = nil
				}
			}
			l.Spec = l.Spec.Defaults()
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func runCheck(c *cli.Context) (err error) {
	cfg, err := effectiveCheckConfig(c)
	if err != nil {
		return err
	}
	out := c.String("out")
	if out == "" {
		out = filepath.Join("runs", uniqueName("check-"))
	}
	od, err := openOut(out, "meta.json", c.Bool("force"))
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	defer func() {
		// A failed check (exit 2) is a finished result; any other error
		// leaves no half-made folder.
		if _, statErr := os.Stat(filepath.Join(out, "meta.json")); err != nil && statErr != nil {
			od.Discard()
		}
	}()
	quiet := c.Bool("quiet")
	stderr, stdout := c.App.ErrWriter, c.App.Writer
	t0 := time.Now()
	res, err := sim.Check(cfg, func(s string) {
		if !quiet {
			fmt.Fprintln(stderr, s)
		}
	})
	if err != nil {
		return err
	}
	if !quiet {
		printCheck(stdout, res)
	}
	if err := writeCheck(out, res); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(out, "meta.json"), map[string]any{
		"command": "check", "version": buildVersion(), "config": res.Config, "seed": cfg.Seed,
		"effective_theta0": res.Theta0, "effective_tolerance": res.Tolerance,
		"pass": res.Pass, "failures": res.Failures(), "timings_seconds": map[string]float64{"check": time.Since(t0).Seconds()},
	}); err != nil {
		return err
	}
	if f := res.Failures(); len(f) > 0 {
		return cli.Exit(fmt.Sprintf("check FAILED (%d judged lines; details in %s):\n  FAIL %s", len(f), out, strings.Join(f, "\n  FAIL ")), 2)
	}
	fmt.Fprintf(stdout, "check passed: every judged slope and constant within its tolerance (%s)\n", out)
	return nil
}

func printCheck(w io.Writer, res *sim.CheckResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "test\tlandscape\tvariant\tθ (or N)\terror\trelative\tmethod")
	for _, p := range res.Points {
		m := p.Method
		if p.StdErr > 0 {
			m += fmt.Sprintf(" (s.e. %.2g)", p.StdErr)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.4g\t%.4g\t%s\t%s\n", p.Test, p.Landscape, p.Variant, p.Theta, p.Error, nanDashG(p.Relative), m)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "verdict\ttest\tlandscape\tvariant\tslope\texpected\ttol\tlocal slopes\twhy")
	for _, s := range res.Slopes {
		loc := ""
		for i, l := range s.Local {
			if i > 0 {
				loc += " "
			}
			loc += fmt.Sprintf("%.3f", l)
		}
		v := "PASS"
		switch {
		case !s.Judged:
			v = "info"
		case !s.Pass:
			v = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.3f\t%s\t%.2g\t%s\t%s\n", v, s.Test, s.Landscape, s.Variant, s.Slope, s.ExpectedString(), s.Tolerance, loc, s.Reason)
	}
	tw.Flush()
	if len(res.Constants) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "verdict\ttest\tlandscape\tvariant\tquantity\tmeasured\tpredicted\twhy")
		for _, k := range res.Constants {
			v := "PASS"
			if !k.Pass {
				v = "FAIL"
			}
			pred := fmt.Sprintf("%.6g", k.Predicted)
			if k.AtLeast {
				pred = "≥ " + pred
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.6g\t%s\t%s\n", v, k.Test, k.Landscape, k.Variant, k.Quantity, k.Measured, pred, k.Reason)
		}
		tw.Flush()
	}
	fmt.Fprintln(w)
}

func nanDashG(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.4g", v)
}

func writeCheck(out string, res *sim.CheckResult) error {
	if err := experiments.WriteCheckCSV(out, res); err != nil {
		return err
	}
	// One log–log panel per test and landscape.
	type key struct{ test, land string }
	var order []key
	curves := map[key]map[string]plotter.XYs{}
	for _, p := range res.Points {
		k := key{p.Test, p.Landscape}
		if curves[k] == nil {
			curves[k] = map[string]plotter.XYs{}
			order = append(order, k)
		}
		// T3 judges the relative error: plot that.
		y := p.Error
		if p.Test == "T3" {
			y = p.Relative
		}
		if y > 0 {
			curves[k][p.Variant] = append(curves[k][p.Variant], plotter.XY{X: p.Theta, Y: y})
		}
	}
	// The judged slope of each panel's main curve, for its guide line.
	expected := map[key]struct {
		variant string
		slope   float64
	}{}
	for _, sl := range res.Slopes {
		k := key{sl.Test, sl.Landscape}
		if _, seen := expected[k]; seen && sl.Variant == "lande" {
			continue // natural's guide where both are judged (T3)
		}
		if sl.Judged && math.IsNaN(sl.ExpectedMax) && (sl.Variant == "natural" || sl.Variant == "lande" || sl.Variant == "wright-fisher") {
			expected[k] = struct {
				variant string
				slope   float64
			}{sl.Variant, sl.Expected}
		}
	}
	var plots []*plot.Plot
	for _, k := range order {
		var cs []curve
		ymin, ymax := math.Inf(1), math.Inf(-1)
		for _, v := range []string{"null", "paper", "natural-mean", "natural", "mean-field", "lande", "wright-fisher", "wf-clonal"} {
			if xy, ok := curves[k][v]; ok && len(xy) > 1 {
				cs = append(cs, curve{Name: v, XY: xy, Dashed: v == "null" || v == "paper"})
				for _, p := range xy {
					ymin, ymax = math.Min(ymin, p.Y), math.Max(ymax, p.Y)
				}
			}
		}
		// A guide of the expected slope through the main curve's
		// smallest-θ point, a factor 4 below it.
		var guide plotter.XYs
		guideName := ""
		if e, ok := expected[k]; ok {
			if xy := curves[k][e.variant]; len(xy) > 1 {
				lo, hi := xy[0], xy[0]
				for _, p := range xy {
					if p.X < lo.X {
						lo = p
					}
					if p.X > hi.X {
						hi = p
					}
				}
				y0 := lo.Y / 4
				guide = plotter.XYs{{X: lo.X, Y: y0}, {X: hi.X, Y: y0 * math.Pow(hi.X/lo.X, e.slope)}}
				guideName = fmt.Sprintf("slope %g (expected, %s)", e.slope, e.variant)
				for _, p := range guide {
					ymin, ymax = math.Min(ymin, p.Y), math.Max(ymax, p.Y)
				}
			}
		}
		xl := "θ"
		if k.test == "finite-N" {
			xl = "N"
		}
		yl := "error"
		if k.test == "T3" {
			yl = "relative error"
		}
		p, err := linePlot(k.test+" · "+k.land, xl, yl, cs, true)
		if err != nil {
			return err
		}
		rows := float64(len(cs))
		if guide != nil {
			l, err := plotter.NewLine(guide)
			if err != nil {
				return err
			}
			l.Color = color.Gray{Y: 110}
			l.Width = vg.Points(1)
			l.Dashes = []vg.Length{vg.Points(1.5), vg.Points(2.5)}
			p.Add(l)
			p.Legend.Add(guideName, l)
			rows++
		}
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = denseLogTicks{}
		p.Y.Tick.Marker = denseLogTicks{}
		// Errors grow with θ in T1, T3 and Lande: their top left is free
		// for the legend. Head room above the data (a legend row is about
		// 6 % of the panel's height) keeps it off the lines elsewhere.
		p.Legend.Left = k.test == "T1" || k.test == "T3" || k.test == "Lande"
		if ymax > ymin && ymin > 0 {
			f := math.Min(0.065*rows, 0.65)
			p.Y.Min = ymin / 1.5
			p.Y.Max = ymax * math.Pow(ymax/ymin*1.5, f/(1-f))
		}
		plots = append(plots, p)
	}
	cols := 2
	rows2 := (len(plots) + cols - 1) / cols
	return savePlots(filepath.Join(out, "check"), plots, rows2, cols, 10*vg.Inch, vg.Length(rows2)*3.5*vg.Inch)
}

// denseLogTicks labels a log axis at 1, 2 and 5 × 10^k when it spans less
// than two decades (T2's θ range), and at powers of ten otherwise.
type denseLogTicks struct{}

func (denseLogTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || max/min >= 100 {
		return logTicks{}.Ticks(min, max)
	}
	var ts []plot.Tick
	for e := math.Floor(math.Log10(min)); math.Pow(10, e) <= max; e++ {
		for _, m := range []float64{1, 2, 3, 4, 5, 6, 7, 8, 9} {
			v := m * math.Pow(10, e)
			if v < min || v > max {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'g', 2, 64)
			}
			ts = append(ts, t)
		}
	}
	return ts
}
