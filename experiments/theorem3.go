package experiments

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

type theorem3Config struct {
	Dims      []int       `toml:"dims"`
	Points    int         `toml:"points"`
	Margin    float64     `toml:"margin"`
	MaxPasses int         `toml:"max_passes"`
	Eta       float64     `toml:"eta"`
	Rules     [][]float64 `toml:"rules"`
}

func init() {
	register(&Experiment{
		Name:       "theorem3",
		Title:      "rules [−a, a; b, −b] with b ≥ a learn separable ±1 data; mistakes against the bound",
		Reproduces: "paper Theorem 3",
		FullTime:   "a few seconds",
		Run:        runTheorem3,
	})
}

// separable draws points x ∈ {−1,1}ⁿ labelled by a random unit w* with
// Σw* = 0, keeping those with margin |w*·x| ≥ γ.
func separable(n, count int, gamma float64, rng *rand.Rand) (xs [][]float64, ys []int, wstar []float64) {
	wstar = make([]float64, n)
	var mean float64
	for i := range wstar {
		wstar[i] = rng.NormFloat64()
		mean += wstar[i]
	}
	mean /= float64(n)
	var norm float64
	for i := range wstar {
		wstar[i] -= mean
		norm += wstar[i] * wstar[i]
	}
	norm = math.Sqrt(norm)
	for i := range wstar {
		wstar[i] /= norm
	}
	for len(xs) < count {
		x := make([]float64, n)
		var dot float64
		for i := range x {
			x[i] = 1
			if rng.IntN(2) == 0 {
				x[i] = -1
			}
			dot += wstar[i] * x[i]
		}
		if math.Abs(dot) < gamma {
			continue
		}
		y := 0
		if dot > 0 {
			y = 1
		}
		xs, ys = append(xs, x), append(ys, y)
	}
	return xs, ys, wstar
}

// trainPatternRule applies the output rule [−a, a; b, −b] on mistakes to
// two rows U[0], U[1] over n nodes that fire iff x_i = +1, until a pass
// without mistakes. It returns the mistakes per pass.
func trainPatternRule(xs [][]float64, ys []int, a, b, eta float64, maxPasses int, order *rand.Rand) []int {
	n := len(xs[0])
	U := [2][]float64{make([]float64, n), make([]float64, n)}
	// R_o[s] = [column 0 (true label), column 1 (prediction)].
	R := [2][2]float64{{-a, a}, {b, -b}}
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	var perPass []int
	for pass := 0; pass < maxPasses; pass++ {
		order.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		mistakes := 0
		for _, k := range idx {
			x, y := xs[k], ys[k]
			var z [2]float64
			for c := 0; c < 2; c++ {
				for i, xi := range x {
					if xi > 0 {
						z[c] += U[c][i]
					}
				}
			}
			pred := 0
			if z[1] > z[0] {
				pred = 1
			}
			if pred == y {
				continue
			}
			mistakes++
			for i, xi := range x {
				s := 0
				if xi > 0 {
					s = 1
				}
				U[y][i] += eta * R[s][0]
				U[pred][i] += eta * R[s][1]
			}
		}
		perPass = append(perPass, mistakes)
		if mistakes == 0 {
			break
		}
	}
	return perPass
}

func runTheorem3(env *Env, text []byte) (*Report, error) {
	var cfg theorem3Config
	if err := decode(text, &cfg); err != nil {
		return nil, err
	}
	if env.Quick {
		cfg.Dims, cfg.Points, cfg.MaxPasses = []int{20}, 300, 100
	}
	for _, r := range cfg.Rules {
		if len(r) != 2 || !(r[0] > 0) || !(r[1] > 0) {
			return nil, fmt.Errorf("theorem3: each rule is [a, b] with a, b > 0, got %v", r)
		}
	}
	n := seeds(env, 5, 2)
	rep := &Report{Seeds: n}
	var rows [][]string
	var cs []output.Curve
	for _, r := range cfg.Rules {
		a, b := r[0], r[1]
		c := output.Curve{Name: fmt.Sprintf("a=%g b=%g", a, b), Dashed: b < a}
		for _, dim := range cfg.Dims {
			var total []float64
			converged := 0
			for s := 1; s <= n; s++ {
				rng := seed.New(uint64(s), seed.Data, uint64(dim))
				xs, ys, _ := separable(dim, cfg.Points, cfg.Margin, rng)
				perPass := trainPatternRule(xs, ys, a, b, cfg.Eta, cfg.MaxPasses, seed.New(uint64(s), seed.Order, uint64(dim)))
				sum := 0
				for _, m := range perPass {
					sum += m
				}
				ok := perPass[len(perPass)-1] == 0
				if ok {
					converged++
				}
				total = append(total, float64(sum))
				rows = append(rows, []string{output.F(a), output.F(b), fmt.Sprint(dim), fmt.Sprint(s), fmt.Sprint(sum), fmt.Sprint(len(perPass)), fmt.Sprint(ok), output.F(float64(dim) / (cfg.Margin * cfg.Margin))})
			}
			st := NewStat("", total...)
			bound := float64(dim) / (cfg.Margin * cfg.Margin)
			c.XY = append(c.XY, plotter.XY{X: float64(dim), Y: math.Max(st.Mean, 1)})
			note := fmt.Sprintf("converged in %d/%d seeds", converged, n)
			if b < a {
				note += " (b < a: outside the theorem)"
			}
			rep.Rows = append(rep.Rows, Row{Quantity: fmt.Sprintf("mistakes to convergence, a=%g b=%g, n=%d (bound n/γ² = %.0f)", a, b, dim, bound), Ours: st,
				Paper: map[bool]string{true: "converges (Theorem 3)", false: "no guarantee"}[b >= a], Note: note})
		}
		cs = append(cs, c)
	}
	if err := output.WriteCSV(env.Path("mistakes.csv"), []string{"a", "b", "n", "seed", "mistakes", "passes", "converged", "novikoff_bound"}, rows); err != nil {
		return nil, err
	}
	var bxy plotter.XYs
	for _, d := range cfg.Dims {
		bxy = append(bxy, plotter.XY{X: float64(d), Y: float64(d) / (cfg.Margin * cfg.Margin)})
	}
	cs = append(cs, output.Curve{Name: "n/γ²", XY: bxy, Dashed: true})
	p, err := output.LinePlot("Theorem 3: mistakes until a pass without mistakes", "dimension n", "mistakes (mean over seeds)", cs, false, true)
	if err != nil {
		return nil, err
	}
	if err := output.SavePlots(env.Path("theorem3"), []*plot.Plot{p}, 1, 1, 7*vg.Inch, 4.5*vg.Inch); err != nil {
		return nil, err
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("Data: %d points of {−1,1}ⁿ with margin |w*·x| ≥ %g for a random unit w* with Σw* = 0; the rule acts on the patterns s_i = 1[x_i = +1], the setting of Theorem 3. The bound column is Novikoff's perceptron bound n/γ² (R² = n for ±1 data), which the a = b rule is; the paper's own constant for b > a is not restated here.", cfg.Points, cfg.Margin))
	return rep, nil
}
