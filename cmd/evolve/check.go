package main

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
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
		Usage: "check the corrected appendix C theorem numerically (one-step and fixed-horizon error slopes)",
		Description: `Compares the exact one-generation allele-frequency map with its approximations on a
quadratic and on the output-rule landscape (SPEC §8):

  T1 one step:     e₁(θ) = max_i |Δ_E − Δ_G| for θ = θ₀ 2^−j; expected log–log slopes:
                   natural 2 (the corrected theorem), natural-mean 1, mean-field 2 on a
                   quadratic and 1 otherwise, paper 1 with a relative error that does not
                   vanish, null 1.
  T2 fixed horizon: the maximum error over K = S/θ generations; natural 1, paper 0.
  T3 ε ∝ θ:        with ε = cθ and R/ε loci the ε bias falls below the θ² term: relative
                   one-step error slope 1 for natural and natural-mean, 0 for paper and null.
  --finite-n:      Wright–Fisher populations approach the deterministic trajectory as N^(−1/2).

Prints the error table, the fitted and local slopes and the leading constants, writes
check.csv, slopes.csv and the log–log plot check.png/.svg to --out, and exits non-zero when
a slope misses its expected value by more than --tolerance.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "quick", Usage: "fewer θ values (seconds; used in CI)"},
			&cli.BoolFlag{Name: "finite-n", Usage: "add the Wright–Fisher N^(−1/2) test"},
			&cli.StringFlag{Name: "fitness", Value: "linear", Usage: "linear (1 − θL) or exp (exp(−θL))"},
			&cli.Float64Flag{Name: "tolerance", Value: 0.15, Usage: "largest accepted |slope − expected|"},
			&cli.Uint64Flag{Name: "seed", Value: 0, Usage: "seed of the start frequencies and populations"},
			&cli.StringFlag{Name: "out", Usage: "output folder (default: a new folder runs/check-YYYYMMDD-HHMMSS)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the verdict"},
		},
		Action: runCheck,
	}
}

func runCheck(c *cli.Context) error {
	cfg := sim.CheckConfig{EpsScaling: true, FiniteN: c.Bool("finite-n"), Fitness: c.String("fitness"), Tolerance: c.Float64("tolerance"), Seed: c.Uint64("seed")}
	if c.Bool("quick") {
		cfg.OneStep, cfg.Horizon, cfg.Fit = 8, 3, 3
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
		"pass": res.Pass, "timings_seconds": map[string]float64{"check": time.Since(t0).Seconds()},
	}); err != nil {
		return err
	}
	if !res.Pass {
		return cli.Exit(fmt.Sprintf("check FAILED (details in %s)", out), 2)
	}
	fmt.Fprintf(stdout, "check passed: every judged slope within %.2g of its expected value (%s)\n", res.Config.Tolerance, out)
	return nil
}

func printCheck(w io.Writer, res *sim.CheckResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "test\tlandscape\tvariant\tθ (or N)\terror\trelative")
	for _, p := range res.Points {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.4g\t%.4g\t%s\n", p.Test, p.Landscape, p.Variant, p.Theta, p.Error, nanDashG(p.Relative))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "test\tlandscape\tvariant\tslope\texpected\tlocal slopes\tverdict")
	for _, s := range res.Slopes {
		loc := ""
		for i, l := range s.Local {
			if i > 0 {
				loc += " "
			}
			loc += fmt.Sprintf("%.3f", l)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.3f\t%s\t%s\t%s\n", s.Test, s.Landscape, s.Variant, s.Slope, nanDashG(s.Expected), loc, s.Note)
	}
	tw.Flush()
	if len(res.Constants) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "test\tlandscape\tquantity\tmeasured\tpredicted\tok")
		for _, k := range res.Constants {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%.6g\t%.6g\t%v\n", k.Test, k.Landscape, k.Quantity, k.Measured, k.Predicted, k.Pass)
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
