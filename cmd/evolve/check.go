package main

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

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
		Description: `Compares the exact one-generation allele-frequency map with its approximations on a
quadratic (tolerance 0.05) and on the output-rule landscape (tolerance 0.15), SPEC §8 and §13.
Every expectation is evaluated exactly (binomial, Poisson-binomial or enumeration; the method of
each point is printed); a support too large is an error, never a silent switch to Monte Carlo.

  brute force:  the engine's Δ_E against every genotype enumerated on a tiny genome
                (independent code): relative difference ≤ 1e-9. Runs before any slope.
  T1 one step:  e₁(θ) = max_i |Δ_E − Δ_G|, θ = θ₀2^−j. Expected log–log slopes:
                natural 2 (the exact map is this step over 1 − θL̃, or plus O(θ²) for exp);
                natural-mean 1 (misses the variance penalty's gradient, O(θε²));
                mean-field 2 on a quadratic (E[L|g] − L(E[Y|g]) does not depend on g), else 1;
                paper 1 with relative error ρ ≥ 0.5 (wrong sign, factor 2/x); null 1, ρ = 1.
                Leading constant of natural: e₁/θ² against brute-force moments and, on the
                quadratic, against its closed form (within 1 %).
  T2 horizon:   max error over K = S/θ generations: natural 1; paper 0 and null 0 (O(1));
                natural-mean and mean-field off a quadratic between 0 and 1 (O(θ), then a
                plateau); mean-field 1 on a quadratic. Baum–Eagon: W̄ never decreases.
  T3 ε ∝ θ:     ε = cθ, R/ε loci: relative one-step error slope natural 1 with linear fitness
                and 2 with exp (the error is O(θ²ε²)); natural-mean 1 (O(ε)); paper, null 0.
  --finite-n:   Wright–Fisher RMS distance to the exact trajectory ∝ N^(−1/2) with free
                recombination; clonal is reported only (LD builds up, the law is not expected)
                and its mean |D| must be at least twice free recombination's; bias of the mean
                within 4 standard errors; neutral drift Var = x(1−x)(1 − (1 − 1/N)^t).

Prints the error table, the fitted and local slopes with their reasons and verdicts, the judged
constants, writes check.csv, slopes.csv, constants.csv and check.png/.svg to --out.
Exit status: 0 when every judged line passes, 2 when one fails (the failing lines are named),
1 on any other error.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "quick", Usage: "fewer θ values (seconds; used in CI)"},
			&cli.BoolFlag{Name: "finite-n", Usage: "add the Wright–Fisher tests"},
			&cli.StringFlag{Name: "fitness", Value: "linear", Usage: "linear (1 − θL) or exp (exp(−θL))"},
			&cli.Float64Flag{Name: "tolerance", Usage: "largest accepted |slope − expected| on every landscape, in (0, 0.5] (default: 0.05 analytic, 0.15 plasticity)"},
			&cli.Uint64Flag{Name: "seed", Value: 0, Usage: "seed of the start frequencies and populations"},
			&cli.StringFlag{Name: "out", Usage: "output folder (default: a new folder runs/check-YYYYMMDD-HHMMSS)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the verdict"},
		},
		Action: runCheck,
	}
}

func runCheck(c *cli.Context) error {
	cfg := sim.CheckConfig{EpsScaling: true, FiniteN: c.Bool("finite-n"), Fitness: c.String("fitness"), Seed: c.Uint64("seed")}
	if c.IsSet("tolerance") {
		t := c.Float64("tolerance")
		if !(t > 0 && t <= 0.5) {
			return fmt.Errorf("check: --tolerance %v is not in (0, 0.5]", t)
		}
		cfg.Tolerance = t
	}
	if f := cfg.Fitness; f != "linear" && f != "exp" {
		return fmt.Errorf("check: --fitness must be linear or exp, got %q", f)
	}
	if c.Bool("quick") {
		cfg.OneStep, cfg.Horizon, cfg.Fit = 8, 4, 3
		cfg.Sizes, cfg.Replicates = []int{250, 1000, 4000}, 4
	}
	out := c.String("out")
	if out == "" {
		out = filepath.Join("runs", "check-"+time.Now().UTC().Format("20060102-150405"))
	}
	if err := makeOut(out); err != nil {
		return err
	}
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
		if p.Error > 0 {
			curves[k][p.Variant] = append(curves[k][p.Variant], plotter.XY{X: p.Theta, Y: p.Error})
		}
	}
	var plots []*plot.Plot
	for _, k := range order {
		var cs []curve
		for _, v := range []string{"null", "paper", "natural-mean", "natural", "mean-field", "wright-fisher"} {
			if xy, ok := curves[k][v]; ok && len(xy) > 1 {
				cs = append(cs, curve{Name: v, XY: xy, Dashed: v == "null" || v == "paper"})
			}
		}
		xl := "θ"
		if k.test == "finite-N" {
			xl = "N"
		}
		p, err := linePlot(k.test+" · "+k.land, xl, "error", cs, true)
		if err != nil {
			return err
		}
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
		plots = append(plots, p)
	}
	cols := 2
	rows2 := (len(plots) + cols - 1) / cols
	return savePlots(filepath.Join(out, "check"), plots, rows2, cols, 10*vg.Inch, vg.Length(rows2)*3.5*vg.Inch)
}
