package experiments

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/sim"
)

type appendixCConfig struct {
	Run   sim.Config `toml:"run"`
	Check struct {
		FiniteN bool `toml:"finite_n"`
	} `toml:"check"`
}

func init() {
	register(&Experiment{
		Name:       "appendix-c",
		Title:      "evolution vs gradient descent on the plasticity landscape, and the corrected theorem",
		Reproduces: "appendix C (population-genetics model of rule evolution)",
		FullTime:   "about 2 minutes on two cores (3 seeds)",
		Run:        runAppendixC,
	})
}

func runAppendixC(env *Env, text []byte) (*Report, error) {
	var cfg appendixCConfig
	if err := decode(text, &cfg); err != nil {
		return nil, err
	}
	if env.Quick {
		cfg.Run.Generations = 15
		cfg.Run.Landscape.Batch = 100
		cfg.Run.Landscape.Network.Nodes, cfg.Run.Landscape.Network.Cap = 30, 15
		cfg.Run.Genetics.Loci = 4
		cfg.Run.Genetics.Population = 200
	}
	n := seeds(env, 3, 1)
	rep := &Report{Seeds: n}
	final := map[string][]float64{}
	dist := map[string][]float64{}
	signOK := map[string]int{}
	var curves []output.Curve
	var runs []string
	for s := 0; s < n; s++ {
		c := cfg.Run
		c.Seed = uint64(s + 1)
		land, err := c.Defaults().Landscape.Build()
		if err != nil {
			return nil, err
		}
		env.Logf("appendix-c: comparison, seed %d/%d", s+1, n)
		res, err := sim.Run(c, land, nil)
		if err != nil {
			return nil, err
		}
		runs = res.Runs
		var rows [][]string
		for _, o := range res.Observations {
			row := []string{fmt.Sprint(o.Generation), o.Run, output.F(o.Loss), output.F(o.MeanLoss), output.F(o.Distance)}
			for _, y := range o.Y {
				row = append(row, output.F(y))
			}
			rows = append(rows, row)
		}
		header := []string{"generation", "run", "loss", "mean_loss", "distance"}
		for p := range res.Observations[0].Y {
			header = append(header, fmt.Sprintf("y%d", p))
		}
		if err := output.WriteCSV(env.Path(fmt.Sprintf("trajectory-seed%d.csv", s+1)), header, rows); err != nil {
			return nil, err
		}
		for _, o := range res.Final() {
			final[o.Run] = append(final[o.Run], o.Loss)
			dist[o.Run] = append(dist[o.Run], o.Distance)
			// Theorem 1's sign pattern [−, +; +, −] of a T = 1 output rule.
			if len(o.Y) == 4 && o.Y[0] < 0 && o.Y[1] > 0 && o.Y[2] > 0 && o.Y[3] < 0 {
				signOK[o.Run]++
			}
		}
		if s == 0 {
			k := len(res.Runs)
			for i, name := range res.Runs {
				c := output.Curve{Name: name, Dashed: res.Kinds[i] == "gradient"}
				for j := i; j < len(res.Observations); j += k {
					o := res.Observations[j]
					c.XY = append(c.XY, plotter.XY{X: float64(o.Generation), Y: o.Loss})
				}
				curves = append(curves, c)
			}
		}
	}
	for _, r := range runs {
		rep.Rows = append(rep.Rows, Row{Quantity: "final L(Ȳ), " + r, Ours: NewStat("", final[r]...), Paper: "—",
			Note: fmt.Sprintf("sign pattern [−,+;+,−] in %d/%d seeds; distance to exact %s", signOK[r], n, NewStat("", dist[r]...))})
	}
	if a, b := final["gd"], final["lande"]; len(a) > 0 && fmt.Sprint(a) == fmt.Sprint(b) {
		rep.Notes = append(rep.Notes, "gd and lande coincide exactly (the figure draws lande dotted over gd): lande preconditions the gradient by the genetic covariance G at the start, and with disjoint loci all starting at the same frequency G is a multiple of the identity; gd's default step, θ times the mean genetic variance per coefficient at the start, is that multiple.")
	}
	p, err := output.LinePlot("loss at the mean coefficients (seed 1)", "generation / step", "L(Ȳ)", curves, false, false)
	if err != nil {
		return nil, err
	}
	output.LegendAbove(p, curves)
	if err := output.SavePlots(env.Path("comparison"), []*plot.Plot{p}, 1, 1, 7*vg.Inch, 4.5*vg.Inch); err != nil {
		return nil, err
	}

	env.Logf("appendix-c: numerical check of the corrected theorem")
	cc := sim.CheckConfig{FiniteN: cfg.Check.FiniteN, EpsScaling: true, Seed: 1}
	if env.Quick {
		cc.OneStep, cc.Horizon, cc.Fit = 8, 4, 3
		cc.Sizes, cc.Replicates = []int{250, 1000, 4000}, 3
	}
	chk, err := sim.Check(cc, nil)
	if err != nil {
		return nil, err
	}
	nSlopes, passSlopes, nConst, passConst := 0, 0, 0, 0
	for _, s := range chk.Slopes {
		if s.Judged {
			nSlopes++
			if s.Pass {
				passSlopes++
			}
		}
	}
	for _, k := range chk.Constants {
		nConst++
		if k.Pass {
			passConst++
		}
	}
	for _, s := range chk.Slopes {
		// The corrected theorem, Lande's equation, the paper's recursion
		// and the finite-N law; every other judged line is in slopes.csv.
		if !s.Judged || !(s.Variant == "natural" || s.Variant == "paper" || s.Variant == "lande" || s.Variant == "wright-fisher") {
			continue
		}
		paper := "—"
		switch {
		case s.Variant == "paper":
			paper = "claimed correct"
		case s.Variant == "natural" && s.Test == "T1":
			paper = "not stated (the printed bound O(θ² + ε²|L″|) cannot be checked)"
		}
		rep.Rows = append(rep.Rows, Row{Quantity: fmt.Sprintf("%s slope, %s, %s", s.Test, s.Variant, s.Landscape), Ours: NewStat("", s.Slope), Paper: paper,
			Note: fmt.Sprintf("expected %s ± %.2g (%s); %s", s.ExpectedString(), s.Tolerance, s.Reason, s.Note)})
	}
	if err := WriteCheckCSV(env.Out, chk); err != nil {
		return nil, err
	}
	verdict := "passed"
	if !chk.Pass {
		verdict = "FAILED"
	}
	rep.Notes = append(rep.Notes,
		"The exact allele-frequency map is one natural-gradient (Shahshahani) step on the population-mean loss: its one-step difference from −θx(1−x)∂L̃/∂x falls as θ² and the fixed-horizon error as θ, on the quadratic and on the plasticity landscape. The paper's printed recursion moves every locus the wrong way with a factor 2/x too large: its relative error stays of order one.",
		fmt.Sprintf("Numerical check %s: %d/%d judged slopes within 0.05 of their expected values on analytic landscapes and 0.15 on the plasticity landscape, %d/%d constants within 1 %% of values computed without the engine (brute-force enumeration, closed forms on the quadratics), Baum–Eagon and the finite-N laws; failures: %v. The table shows natural, paper, Lande and Wright–Fisher; slopes.csv and constants.csv hold every line.", verdict, passSlopes, nSlopes, passConst, nConst, chk.Failures()),
		"Lande's equation ΔȲ = Gβ (G = B diag(4ε²x(1−x))Bᵀ and β = ∇ln w(Ȳ) recomputed at each state) holds to O(θ) at fixed ε, with the leading remainder −θBu (the gradient of ½tr(HG): G depends on the allele frequencies) matching its closed form on the quadratics, and its relative error falls as θ when ε ∝ θ (T3).",
		"Evolution minimises the population-mean loss E[L(Y)], not L(Ȳ): its trajectory and end point differ from gradient descent on L by the gradient of the variance penalty ½L″V (the corrected theorem), which is why the natural gradient on E[L(Y)] tracks the exact map to O(θ) over the run while GD and Lande on L(Ȳ) drift away.")
	return rep, nil
}
