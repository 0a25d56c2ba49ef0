package experiments

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/fitness"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/plasticity"
	"github.com/evolve-toolkit/evolve/sim"
)

type evoMetaConfig struct {
	// Target is the share of the meta-learner's final test accuracy a run
	// must reach ("generations to 95 %").
	Target   float64    `toml:"target"`
	Run      sim.Config `toml:"run"`
	Transfer struct {
		Dataset   string `toml:"dataset"`
		TrainSize int    `toml:"train_size"`
		TestSize  int    `toml:"test_size"`
	} `toml:"transfer"`
}

func init() {
	register(&Experiment{
		Name:       "evolution-vs-meta",
		Title:      "Wright–Fisher evolution and the exact map learn the whole T = 3 rule next to the meta-learner",
		Reproduces: "appendix C at the scale of the meta-learner (SPEC §12; paper Figure 3 protocol for transfer)",
		FullTime:   "about 500 s on two idle cores at full size (3 seeds, 100 generations); --quick about 15 CPU-seconds",
		Run:        runEvoMeta,
	})
	register(&Experiment{
		Name:       "evolution-vs-meta-mlp",
		Title:      "evolution-vs-meta with an MLP graph rule (177 coefficients: the MLP's 161 parameters and the 16-entry output table)",
		Reproduces: "appendix C at the scale of the meta-learner with the paper's MLP rule parameterisation (SPEC §3, §12)",
		FullTime:   "about 19 minutes on two cores at load 12–18 at full size (3 seeds, 100 generations); --quick about 15 CPU-seconds",
		Run:        runEvoMeta,
	})
}

// evoMetaValues are the numbers of a run kept per seed (one cell).
const evoMetaValues = 5 // final test acc, transfer acc, generations to target, cost to target, final cost

func runEvoMeta(env *Env, text []byte) (*Report, error) {
	var cfg evoMetaConfig
	if err := decode(text, &cfg); err != nil {
		return nil, err
	}
	if env.Quick {
		cfg.Run.Generations = 40
		cfg.Run.Genetics.Population = 200
		cfg.Run.Genetics.Replicates = 2
		cfg.Run.Runs.Evolution = []string{"wright-fisher"}
	}
	n := seeds(env, 3, 1)
	rep := &Report{Seeds: n}
	transfer, err := plLoad(env, cfg.Transfer.Dataset, 1, cfg.Transfer.TrainSize, cfg.Transfer.TestSize)
	if err != nil {
		env.Logf("evolution-vs-meta: transfer to %s skipped: %v", cfg.Transfer.Dataset, err)
		rep.Notes = append(rep.Notes, fmt.Sprintf("transfer to %s skipped: %v", cfg.Transfer.Dataset, err))
		transfer = nil
	}
	var names []string
	per := map[string][][]float64{}      // run → values per seed
	lands := map[int]*fitness.FullRule{} // seed → landscape, for the curvature
	for s := 1; s <= n; s++ {
		c := cfg.Run
		c.Seed = uint64(s)
		c = c.Defaults()
		var res *sim.Result
		land, err := c.Landscape.Build()
		if err != nil {
			return nil, err
		}
		fr, ok := land.(*fitness.FullRule)
		if !ok {
			return nil, fmt.Errorf("evolution-vs-meta: the landscape must be full-rule, got %q", c.Landscape.Kind)
		}
		lands[s] = fr
		// The seed's trajectory CSV is written while its cell is computed
		// and read back for the summary and the figures: a cell whose CSV
		// is gone (deleted, or cells.json copied to another folder) is
		// computed again (the same numbers: runs are deterministic)
		// rather than failing at the end.
		key := fmt.Sprintf("seed%d", s)
		if env.Has(key) {
			if _, err := os.Stat(env.Path(fmt.Sprintf("trajectory-seed%d.csv", s))); errors.Is(err, fs.ErrNotExist) {
				env.Logf("evolution-vs-meta: seed %d: trajectory-seed%d.csv is missing; computing the seed again", s, s)
				env.Forget(key)
			}
		}
		vals, err := env.Cell(key, func() ([]float64, error) {
			env.Logf("evolution-vs-meta: seed %d/%d, %d generations", s, n, c.Generations)
			var err error
			res, err = sim.Run(c, land, &sim.Settings{Progress: func(g, total int) {
				if g%max(1, total/10) == 0 {
					env.Logf("evolution-vs-meta: seed %d: generation %d/%d", s, g, total)
				}
			}})
			if err != nil {
				return nil, err
			}
			if err := evoMetaTrajectory(env, s, res); err != nil {
				return nil, err
			}
			return evoMetaCell(res, fr, transfer, cfg.Target)
		})
		if err != nil {
			return nil, err
		}
		if names == nil {
			names = evoMetaRuns(c)
		}
		if len(vals) != evoMetaValues*len(names) {
			return nil, fmt.Errorf("evolution-vs-meta: cell of seed %d has %d values, want %d", s, len(vals), evoMetaValues*len(names))
		}
		for i, name := range names {
			per[name] = append(per[name], vals[i*evoMetaValues:(i+1)*evoMetaValues])
		}
	}
	for _, name := range names {
		col := func(k int) []float64 {
			var v []float64
			for _, x := range per[name] {
				v = append(v, x[k])
			}
			return v
		}
		reached := 0
		var gens, costs []float64
		for _, x := range per[name] {
			if !math.IsNaN(x[2]) {
				reached++
				gens, costs = append(gens, x[2]), append(costs, x[3])
			}
		}
		rep.Rows = append(rep.Rows,
			Row{Quantity: "final test accuracy (relu1), " + name, Ours: NewStat("%", col(0)...), Paper: "—"},
			Row{Quantity: "test accuracy after transfer to " + cfg.Transfer.Dataset + ", " + name, Ours: NewStat("%", finite(col(1))...), Paper: "—", Note: "Figure 3 protocol: fresh |V|=100, T=3 network"},
			Row{Quantity: fmt.Sprintf("generations to %.0f %% of adam's final accuracy, %s", 100*cfg.Target, name), Ours: NewStat("", gens...), Paper: "—",
				Note: fmt.Sprintf("reached in %d/%d seeds; cost then %s examples", reached, n, NewStat("", costs...))},
			Row{Quantity: "cost (training examples processed), " + name, Ours: NewStat("", col(4)...), Paper: "—"})
	}
	if env.Quick {
		rep.Notes = append(rep.Notes, "QUICK (reduced) size: 1 seed, N = 200, 2 replicates, 40 generations, no exact map; not the full-size result")
	}
	trajs, err := evoMetaRead(env, n)
	if err != nil {
		return nil, err
	}
	rep.Rows = append(rep.Rows, evoMetaSummary(trajs)...)
	curv, err := evoMetaCurvature(trajs, lands)
	if err != nil {
		return nil, err
	}
	rep.Rows = append(rep.Rows, curv...)
	if err := evoMetaFigures(env, trajs, n); err != nil {
		return nil, err
	}
	return rep, nil
}

func finite(v []float64) []float64 {
	var out []float64
	for _, x := range v {
		if !math.IsNaN(x) {
			out = append(out, x)
		}
	}
	return out
}

// evoMetaRuns names the runs in the order of sim.Run: evolution runs
// (Wright–Fisher replicates each), then gradient runs.
func evoMetaRuns(c sim.Config) []string {
	var names []string
	for _, e := range c.Runs.Evolution {
		if e == "wright-fisher" && c.Genetics.Replicates > 1 {
			for r := 1; r <= c.Genetics.Replicates; r++ {
				names = append(names, fmt.Sprintf("wright-fisher/%d", r))
			}
			continue
		}
		names = append(names, e)
	}
	return append(names, c.Runs.Gradient...)
}

// evoMetaCell computes, for every run, its final test accuracy, its
// accuracy after transfer, the first tested generation (and its cost) at
// which it reached target × adam's final accuracy, and its final cost.
func evoMetaCell(res *sim.Result, fr *fitness.FullRule, transfer *dataset.Split, target float64) ([]float64, error) {
	final := res.Final()
	ref := math.NaN()
	for _, o := range final {
		if o.Run == "adam" {
			ref = o.TestAccuracy
		}
	}
	k := len(res.Runs)
	var out []float64
	for i, o := range final {
		gen, cost := math.NaN(), math.NaN()
		for j := i; j < len(res.Observations); j += k {
			p := res.Observations[j]
			if p.TestAccuracy >= target*ref {
				gen, cost = float64(p.Generation), p.Cost
				break
			}
		}
		acc := math.NaN()
		if transfer != nil {
			r := fr.Rules(o.Y)
			net, err := plNet(plasticity.Config{Nodes: 100, Cap: 50, Rounds: 3, Seed: 1}, transfer.Train)
			if err != nil {
				return nil, err
			}
			a, _, err := plTrainEval(net, fig3Rules(r, 3), transfer, nil)
			if err == nil {
				acc = a
			}
		}
		out = append(out, o.TestAccuracy, acc, gen, cost, o.Cost)
	}
	return out, nil
}

func evoMetaTrajectory(env *Env, s int, res *sim.Result) error {
	header := []string{"generation", "run", "kind", "loss", "mean_loss", "test_accuracy", "evaluations", "cost"}
	P := len(res.Observations[0].Y)
	for p := range P {
		header = append(header, fmt.Sprintf("y%d", p))
	}
	var rows [][]string
	for _, o := range res.Observations {
		row := []string{fmt.Sprint(o.Generation), o.Run, o.Kind, output.F(o.Loss), output.F(o.MeanLoss), output.F(o.TestAccuracy), fmt.Sprint(o.Evaluations), output.F(o.Cost)}
		for _, y := range o.Y {
			row = append(row, output.F(y))
		}
		rows = append(rows, row)
	}
	return output.WriteCSV(env.Path(fmt.Sprintf("trajectory-seed%d.csv", s)), header, rows)
}

// evoMetaTraj is one run of one seed as read back from its trajectory CSV.
type evoMetaTraj struct {
	seed             int
	run, group, kind string // group: the run without its replicate number
	gens             []int
	loss, acc, cost  []float64 // acc is NaN where the run was not tested
	y                []float64 // the final mean rule
}

// evoMetaRead reads the trajectory-seed*.csv files of every seed (so also
// of seeds whose cells were loaded from an earlier run).
func evoMetaRead(env *Env, seeds int) ([]*evoMetaTraj, error) {
	var out []*evoMetaTraj
	for s := 1; s <= seeds; s++ {
		name := fmt.Sprintf("trajectory-seed%d.csv", s)
		rows, err := output.ReadCSV(env.Path(name))
		if err != nil {
			return nil, fmt.Errorf("evolution-vs-meta: %w", err)
		}
		if len(rows) < 2 || len(rows[0]) < 9 || rows[0][3] != "loss" || rows[0][5] != "test_accuracy" || rows[0][7] != "cost" || rows[0][8] != "y0" {
			return nil, fmt.Errorf("evolution-vs-meta: %s has an unexpected header", name)
		}
		byRun := map[string]*evoMetaTraj{}
		for _, r := range rows[1:] {
			gen, err1 := strconv.Atoi(r[0])
			loss, err2 := strconv.ParseFloat(r[3], 64)
			acc, err3 := strconv.ParseFloat(r[5], 64)
			cost, err4 := strconv.ParseFloat(r[7], 64)
			y := make([]float64, len(r)-8)
			var errY error
			for i := range y {
				var e error
				y[i], e = strconv.ParseFloat(r[8+i], 64)
				errY = errors.Join(errY, e)
			}
			if err := errors.Join(err1, err2, err3, err4, errY); err != nil {
				return nil, fmt.Errorf("evolution-vs-meta: %s: %w", name, err)
			}
			t, ok := byRun[r[1]]
			if !ok {
				g := r[1]
				if i := strings.IndexByte(g, '/'); i > 0 {
					g = g[:i]
				}
				t = &evoMetaTraj{seed: s, run: r[1], group: g, kind: r[2]}
				byRun[r[1]] = t
				out = append(out, t)
			}
			t.gens = append(t.gens, gen)
			t.loss, t.acc, t.cost = append(t.loss, loss), append(t.acc, acc), append(t.cost, cost)
			t.y = y
		}
	}
	return out, nil
}

// evoMetaSummary gives, for every run (replicates and seeds pooled), the
// test accuracy at generation 0 and at its best, the batch loss of the
// mean rule over the last 10 generations and the distance of the final
// mean rule to the meta-learner's (adam's) of the same seed.
func evoMetaSummary(trajs []*evoMetaTraj) []Row {
	adam := map[int][]float64{}
	var order []string
	seen := map[string]bool{}
	for _, t := range trajs {
		if t.run == "adam" {
			adam[t.seed] = t.y
		}
		if !seen[t.group] {
			seen[t.group] = true
			order = append(order, t.group)
		}
	}
	var rows []Row
	for _, g := range order {
		var acc0, best, bestGen, lossEnd, dist []float64
		for _, t := range trajs {
			if t.group != g {
				continue
			}
			b, bg := math.Inf(-1), 0
			for i, a := range t.acc {
				if i == 0 && a == a {
					acc0 = append(acc0, a)
				}
				if a > b {
					b, bg = a, t.gens[i]
				}
			}
			if !math.IsInf(b, -1) {
				best, bestGen = append(best, b), append(bestGen, float64(bg))
			}
			last := t.loss[max(0, len(t.loss)-10):]
			m, _ := meanSD(last)
			lossEnd = append(lossEnd, m)
			if y, ok := adam[t.seed]; ok && len(y) == len(t.y) {
				var d float64
				for i := range y {
					d += (y[i] - t.y[i]) * (y[i] - t.y[i])
				}
				dist = append(dist, math.Sqrt(d))
			}
		}
		rows = append(rows,
			Row{Quantity: "test accuracy at generation 0, " + g, Ours: NewStat("%", acc0...), Paper: "—"},
			Row{Quantity: "best test accuracy over the run, " + g, Ours: NewStat("%", best...), Paper: "—", Note: genRange(bestGen)},
			Row{Quantity: "batch loss L(Ȳ), mean of the last 10 generations, " + g, Ours: NewStat("", lossEnd...), Paper: "—"},
			Row{Quantity: "distance ‖Ȳ − Ȳ_adam‖ at the end, " + g, Ours: NewStat("", dist...), Paper: "—"})
	}
	return rows
}

// evoMetaCurvature gives, for every run (replicates and seeds pooled), the
// top and bottom eigenvalues and the trace of the exact Hessian of the
// meta-loss L(Y) at the run's final mean rule (SPEC §11's question for
// rules found by evolution against the meta-learner's). The Hessian is
// that of the seed's landscape on the batch of meta step 1 (patterns,
// predictions and the mistake gate fixed, fitness.FullRule.Hessian),
// built column by column from exact products and symmetrised (it is
// symmetric to rounding).
func evoMetaCurvature(trajs []*evoMetaTraj, lands map[int]*fitness.FullRule) ([]Row, error) {
	type acc struct{ top, bottom, trace []float64 }
	var order []string
	per := map[string]*acc{}
	for _, t := range trajs {
		fr, ok := lands[t.seed]
		if !ok || len(t.y) != fr.Dim() {
			continue
		}
		h, err := fr.Hessian(t.y)
		if err != nil {
			continue // a rule that diverges on the batch has no curvature
		}
		P := h.Len()
		dense := mat.NewDense(P, P, nil)
		e, col := make([]float64, P), make([]float64, P)
		for j := range P {
			clear(e)
			e[j] = 1
			h.HessVec(col, e)
			dense.SetCol(j, col)
		}
		sym := mat.NewSymDense(P, nil)
		for i := range P {
			for j := i; j < P; j++ {
				sym.SetSym(i, j, (dense.At(i, j)+dense.At(j, i))/2)
			}
		}
		var eig mat.EigenSym
		if !eig.Factorize(sym, false) {
			return nil, fmt.Errorf("evolution-vs-meta: eigenvalues of the meta-loss Hessian of %s (seed %d) did not converge", t.run, t.seed)
		}
		ev := eig.Values(nil) // ascending
		a, ok := per[t.group]
		if !ok {
			a = &acc{}
			per[t.group] = a
			order = append(order, t.group)
		}
		a.top, a.bottom = append(a.top, ev[len(ev)-1]), append(a.bottom, ev[0])
		a.trace = append(a.trace, mat.Trace(sym))
	}
	var rows []Row
	for _, g := range order {
		a := per[g]
		rows = append(rows,
			Row{Quantity: "meta-loss Hessian at the final Ȳ: λ_top, " + g, Ours: NewStat("", a.top...), Paper: "—", Note: "exact, batch of meta step 1"},
			Row{Quantity: "meta-loss Hessian at the final Ȳ: λ_min, " + g, Ours: NewStat("", a.bottom...), Paper: "—"},
			Row{Quantity: "meta-loss Hessian at the final Ȳ: trace, " + g, Ours: NewStat("", a.trace...), Paper: "—"})
	}
	return rows, nil
}

// genRange describes the generations at which the runs were best.
func genRange(g []float64) string {
	if len(g) == 0 {
		return ""
	}
	lo, hi := slices.Min(g), slices.Max(g)
	if lo == hi {
		return fmt.Sprintf("at generation %g", lo)
	}
	return fmt.Sprintf("at generations %g–%g", lo, hi)
}

// evoMetaFigures draws the test accuracy of each run's mean rule against
// generation and against cost, and the batch loss against generation: one
// line per run, Wright–Fisher replicates and seeds pooled into mean ± sd.
func evoMetaFigures(env *Env, trajs []*evoMetaTraj, seeds int) error {
	type pts struct {
		kind            string
		acc, cost, loss map[int][]float64
		gens            []int
	}
	var order []string
	runs := map[string]*pts{}
	for _, t := range trajs {
		p, ok := runs[t.group]
		if !ok {
			p = &pts{kind: t.kind, acc: map[int][]float64{}, cost: map[int][]float64{}, loss: map[int][]float64{}}
			runs[t.group] = p
			order = append(order, t.group)
		}
		for i, gen := range t.gens {
			if _, seen := p.loss[gen]; !seen {
				p.gens = append(p.gens, gen)
			}
			p.loss[gen] = append(p.loss[gen], t.loss[i])
			if a := t.acc[i]; a == a {
				p.acc[gen] = append(p.acc[gen], a)
				p.cost[gen] = append(p.cost[gen], t.cost[i])
			}
		}
	}
	var byGen, byCost, lossGen []output.Curve
	for _, name := range order {
		p := runs[name]
		dashed := p.kind == "gradient"
		label := name
		if name == "adam" {
			label = "adam (the meta-learner)"
		}
		g := output.Curve{Name: label, Dashed: dashed}
		c := output.Curve{Name: label, Dashed: dashed}
		l := output.Curve{Name: label, Dashed: dashed}
		for _, t := range p.gens {
			if v := p.acc[t]; len(v) > 0 {
				m, sd := meanSD(v)
				g.XY = append(g.XY, plotter.XY{X: float64(t), Y: m})
				g.Err = append(g.Err, sd)
				if cm, _ := meanSD(p.cost[t]); cm > 0 {
					c.XY = append(c.XY, plotter.XY{X: cm, Y: m})
					c.Err = append(c.Err, sd)
				}
			}
			m, sd := meanSD(p.loss[t])
			l.XY = append(l.XY, plotter.XY{X: float64(t), Y: m})
			l.Err = append(l.Err, sd)
		}
		byGen, byCost, lossGen = append(byGen, g), append(byCost, c), append(lossGen, l)
	}
	if len(byGen) == 0 {
		return nil
	}
	pool := fmt.Sprintf("%d seed(s) × replicates, mean ± sd", seeds)
	a, err := output.LinePlot("test accuracy of the mean rule\n("+pool+")", "generation / step", "test accuracy (relu1)", byGen, false, false)
	if err != nil {
		return err
	}
	b, err := output.LinePlot("test accuracy against cost", "training examples processed (log scale)", "test accuracy (relu1)", byCost, true, false)
	if err != nil {
		return err
	}
	c, err := output.LinePlot("batch loss of the mean rule", "generation / step", "batch loss L(Ȳ)", lossGen, false, false)
	if err != nil {
		return err
	}
	for i, p := range []*plot.Plot{a, b, c} {
		output.LegendAbove(p, [][]output.Curve{byGen, byCost, lossGen}[i])
	}
	return output.SavePlots(env.Path("accuracy"), []*plot.Plot{a, b, c}, 1, 3, 16*vg.Inch, 4.8*vg.Inch)
}

func meanSD(v []float64) (m, sd float64) {
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	for _, x := range v {
		sd += (x - m) * (x - m)
	}
	return m, math.Sqrt(sd / float64(len(v)))
}
