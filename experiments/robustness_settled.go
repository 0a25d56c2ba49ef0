package experiments

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
	"github.com/evolve-toolkit/evolve/plasticity/attack"
)

// settledConfig is the configuration of robustness-settled.
type settledConfig struct {
	Dataset   string            `toml:"dataset"`
	TrainSize int               `toml:"train_size"`
	Models    []string          `toml:"models"`
	Network   plasticity.Config `toml:"network"`
	Meta      struct {
		Steps      int     `toml:"steps"`
		Batch      int     `toml:"batch"`
		GraphScale float64 `toml:"graph_scale"`
	} `toml:"meta"`
	Attack struct {
		Eps     []float64 `toml:"eps"`
		Images  int       `toml:"images"`
		Attacks []string  `toml:"attacks"`
	} `toml:"attack"`
	Distances struct {
		Attacks []string `toml:"attacks"`
		Max     float64  `toml:"max"`
		Tol     float64  `toml:"tol"`
	} `toml:"distances"`
	Temperature struct {
		Models  []string  `toml:"models"`
		Taus    []float64 `toml:"taus"`
		Eps     float64   `toml:"eps"`
		Attacks []string  `toml:"attacks"`
	} `toml:"temperature"`
}

func init() {
	register(&Experiment{
		Name:       "robustness-settled",
		Title:      "Table 2's networks under attacks that cannot be masked: minimal distances, logit scale, double softmax",
		Reproduces: "paper Table 2 and Figure 5 (robustness), issue 15",
		FullTime:   "about 3 h 50 min of wall time measured on the shared 2-core machine at low priority (3 seeds, 100 images, 6 networks; the estimate was 6.5 CPU-hours); --quick a few seconds",
		Run:        runSettled,
	})
}

// settledMethods parses a list of attacks ("strong" or ParseMethod's form).
func settledMethods(what string, list []string) ([]attack.Method, error) {
	var ms []attack.Method
	for _, s := range list {
		if s == "strong" {
			ms = append(ms, attack.Strong().Defaults())
			continue
		}
		m, err := attack.ParseMethod(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// settledEvidence names the values of the logit-scale evidence cell.
var settledEvidence = []string{
	"median logit gap z_y − max_{c≠y} z_c",
	"median ‖∇ₓ double-softmax loss‖₂ at the clean image",
	"share of (image, target) pairs whose double-softmax ∇ₓ is exactly 0",
	"largest ‖∇ₓ double-softmax loss‖₂",
	"median ‖∇ₓ cross-entropy‖₂",
	"median ‖∇ₓ margin loss‖₂",
}

// logitEvidence measures, on the images (rows of test) the network
// classifies correctly, the logit gap and the input-gradient norms of the
// targeted losses towards every other label at the clean image.
func logitEvidence(net *plasticity.Network, test *dataset.Set, rows []int) []float64 {
	m := attack.Network(net)
	w := m.NewWorker()
	grads := map[attack.Loss][]float64{}
	var gaps []float64
	dx := make([]float64, m.Dim())
	as := map[attack.Loss]*attack.Attacker{}
	for _, l := range attack.Losses() {
		as[l] = attack.NewMethodAttacker(m, attack.Method{Loss: l}, false, 1)
	}
	xbuf := make([]float64, test.Dim)
	for _, row := range rows {
		x, y := test.Row(row, xbuf), test.Y[row]
		z := w.Forward(x)
		top := math.Inf(-1)
		for c, v := range z {
			if c != y {
				top = max(top, v)
			}
		}
		if z[y] <= top {
			continue
		}
		gaps = append(gaps, z[y]-top)
		for c := range z {
			if c == y {
				continue
			}
			for l, a := range as {
				a.Grad(dx, x, c)
				var s float64
				for _, v := range dx {
					s += v * v
				}
				grads[l] = append(grads[l], math.Sqrt(s))
			}
		}
	}
	ds := grads[attack.DoubleSoftmax]
	zero := 0
	for _, v := range ds {
		if v == 0 {
			zero++
		}
	}
	share := math.NaN()
	if len(ds) > 0 {
		share = float64(zero) / float64(len(ds))
	}
	top := math.NaN()
	if len(ds) > 0 {
		top = slices.Max(ds)
	}
	return []float64{medianOf(gaps), medianOf(ds), share, top, medianOf(grads[attack.CrossEntropy]), medianOf(grads[attack.Margin])}
}

// medianOf returns the median of v (NaN if empty); v is not changed.
func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Cells hold no ±Inf (cells.json stores them as null, read back as NaN):
// an infinite distance ("not broken within max") is stored as −1.
func encodeDist(d float64) float64 {
	if math.IsInf(d, 1) {
		return -1
	}
	return d
}

func decodeDist(v float64) float64 {
	if v == -1 {
		return math.Inf(1)
	}
	return v
}

func runSettled(env *Env, text []byte) (*Report, error) {
	var cfg settledConfig
	if err := decode(text, &cfg); err != nil {
		return nil, err
	}
	testSize := 0
	if env.Quick {
		cfg.TrainSize, testSize = 300, 200
		cfg.Network.Nodes, cfg.Network.Cap, cfg.Network.Epochs = 60, 30, 1
		cfg.Meta.Steps, cfg.Meta.Batch = 4, 30
		cfg.Attack.Images = 4
		cfg.Attack.Eps = []float64{0.5, 2}
		cfg.Attack.Attacks = []string{"ce/S=5", "double-softmax/unit/S=5", "margin/unit/S=5/R=1", "hsj/S=3"}
		cfg.Distances.Attacks = []string{"margin/unit/S=5", "hsj/S=3"}
		cfg.Distances.Tol = 0.5
		cfg.Temperature.Taus = []float64{1, 1000}
		cfg.Temperature.Attacks = []string{"double-softmax/unit/S=5", "margin/unit/S=5"}
	}
	if cfg.Meta.GraphScale == 0 {
		cfg.Meta.GraphScale = 1
	}
	if len(cfg.Models) == 0 || len(cfg.Attack.Attacks) == 0 || len(cfg.Attack.Eps) == 0 || cfg.Attack.Images < 1 {
		return nil, fmt.Errorf("config: models, attack.attacks, attack.eps and attack.images (positive) must be given")
	}
	attacks, err := settledMethods("attack.attacks", cfg.Attack.Attacks)
	if err != nil {
		return nil, err
	}
	dists, err := settledMethods("distances.attacks", cfg.Distances.Attacks)
	if err != nil {
		return nil, err
	}
	temps, err := settledMethods("temperature.attacks", cfg.Temperature.Attacks)
	if err != nil {
		return nil, err
	}
	if len(dists) > 0 {
		if err := (attack.DistanceConfig{Images: cfg.Attack.Images, Attacks: dists, Max: cfg.Distances.Max, Tol: cfg.Distances.Tol}).Validate(); err != nil {
			return nil, err
		}
		if cfg.Distances.Max == 0 || cfg.Distances.Tol == 0 {
			return nil, fmt.Errorf("config: distances.max and distances.tol must be given (positive)")
		}
	}
	eps := cfg.Attack.Eps
	nEps := len(eps)
	rc := robustConfig{Datasets: []string{cfg.Dataset}, RobustDataset: cfg.Dataset, TrainSize: cfg.TrainSize, Network: cfg.Network}
	rc.Meta.Steps, rc.Meta.Batch, rc.Meta.GraphScale = cfg.Meta.Steps, cfg.Meta.Batch, cfg.Meta.GraphScale
	ds := cfg.Dataset
	n := seeds(env, 3, 1)
	rep := &Report{Seeds: n}

	// Per model: test accuracy and clean accuracy over seeds; per model
	// and attack: the first radius index at which each image is broken
	// (nEps: never), images of all seeds pooled; distances pooled.
	type modelData struct {
		acc, clean []float64
		first      [][]int       // [attack][image over seeds]
		combined   []int         // [image over seeds]
		dist       [][]float64   // [distance attack][image over seeds]
		evidence   [][]float64   // [seed][value]
		temp       [][][]float64 // [τ][attack][seed]
		seconds    []float64     // [attack] summed over seeds
		distSec    []float64
	}
	data := map[string]*modelData{}
	var csvRows, distRows [][]string
	for s := 1; s <= n; s++ {
		var sp *dataset.Split
		load := func() error {
			if sp != nil {
				return nil
			}
			var err error
			sp, err = plLoad(env, ds, uint64(s), cfg.TrainSize, testSize)
			return err
		}
		for _, model := range cfg.Models {
			md := data[model]
			if md == nil {
				md = &modelData{first: make([][]int, len(attacks)), dist: make([][]float64, len(dists)),
					seconds: make([]float64, len(attacks)), distSec: make([]float64, len(dists))}
				data[model] = md
			}
			var net *plasticity.Network
			getNet := func() (*plasticity.Network, error) {
				if net != nil {
					return net, nil
				}
				if err := load(); err != nil {
					return nil, err
				}
				mrc, base := rc, model
				if model == "T=3 ref" {
					mrc.Network.Recurrence, base = plasticity.Reference, "T=3"
				}
				var rules3 []float64
				if base == "T=3" {
					key := ds + " T=3 rules"
					if model == "T=3 ref" {
						key = ds + " T=3 reference rules"
					}
					var err error
					if rules3, err = env.Cell(key, func() ([]float64, error) { return learnRules3(env, mrc, ds) }); err != nil {
						return nil, err
					}
				}
				env.Logf("robustness-settled: seed %d/%d, training %s", s, n, model)
				var err error
				net, err = robustModel(env, mrc, base, sp, uint64(s), rules3)
				return net, err
			}
			cell := func(what string, f func(net *plasticity.Network) ([]float64, error)) ([]float64, error) {
				v, err := env.Cell(fmt.Sprintf("seed %d %s | %s", s, model, what), func() ([]float64, error) {
					net, err := getNet()
					if err != nil {
						return nil, err
					}
					return f(net)
				})
				if err != nil {
					return nil, fmt.Errorf("seed %d, %s, %s: %w", s, model, what, err)
				}
				return v, nil
			}
			v, err := cell("test accuracy", func(net *plasticity.Network) ([]float64, error) {
				return []float64{plasticity.Evaluate(net, sp.Test).Accuracy}, nil
			})
			if err != nil {
				return nil, err
			}
			md.acc = append(md.acc, v[0])
			// One cell per attack: [seconds, clean accuracy, first broken radius index per image].
			var comb []int
			for k, meth := range attacks {
				v, err := cell("attack "+meth.String(), func(net *plasticity.Network) ([]float64, error) {
					env.Logf("robustness-settled: seed %d, %s, attack %s", s, model, meth)
					t0 := time.Now()
					res, err := attack.Robustness(attack.Network(net), sp.Test, &attack.Settings{Config: attack.Config{
						Eps: eps, Images: cfg.Attack.Images, Seed: uint64(s), Attacks: []attack.Method{meth}}})
					if err != nil {
						return nil, err
					}
					out := []float64{time.Since(t0).Seconds(), res.Clean}
					for i := range res.Images {
						f := nEps
						for e := range eps {
							if res.Broken[e][i] {
								f = e
								break
							}
						}
						out = append(out, float64(f))
					}
					return out, nil
				})
				if err != nil {
					return nil, err
				}
				md.seconds[k] += v[0]
				if k == 0 {
					md.clean = append(md.clean, v[1])
					comb = make([]int, len(v)-2)
					for i := range comb {
						comb[i] = nEps
					}
				}
				row := []string{fmt.Sprint(s), model, meth.String(), output.F(v[1])}
				for i, f := range v[2:] {
					md.first[k] = append(md.first[k], int(f))
					comb[i] = min(comb[i], int(f))
				}
				for e := range eps {
					row = append(row, output.F(shareAbove(v[2:], e)))
				}
				csvRows = append(csvRows, append(row, output.F(v[0])))
			}
			// Distances: [seconds, distance per image].
			for k, meth := range dists {
				v, err := cell("distance "+meth.String(), func(net *plasticity.Network) ([]float64, error) {
					env.Logf("robustness-settled: seed %d, %s, minimal distances by %s", s, model, meth)
					t0 := time.Now()
					res, err := attack.MinimalDistances(attack.Network(net), sp.Test, &attack.DistanceSettings{DistanceConfig: attack.DistanceConfig{
						Images: cfg.Attack.Images, Seed: uint64(s), Attacks: []attack.Method{meth}, Max: cfg.Distances.Max, Tol: cfg.Distances.Tol}})
					if err != nil {
						return nil, err
					}
					out := []float64{time.Since(t0).Seconds()}
					for _, d := range res.Dist[0] {
						out = append(out, encodeDist(d))
					}
					return out, nil
				})
				if err != nil {
					return nil, err
				}
				md.distSec[k] += v[0]
				for i, x := range v[1:] {
					d := decodeDist(x)
					md.dist[k] = append(md.dist[k], d)
					distRows = append(distRows, []string{fmt.Sprint(s), model, meth.String(), fmt.Sprint(i), output.F(d)})
					// A point at distance d breaks the image at every ε ≥ d.
					for e, r := range eps {
						if d <= r {
							comb[i] = min(comb[i], e)
							break
						}
					}
				}
			}
			md.combined = append(md.combined, comb...)
			v, err = cell("logit evidence", func(net *plasticity.Network) ([]float64, error) {
				return logitEvidence(net, sp.Test, dataset.SampleIndex(sp.Test.Len(), cfg.Attack.Images, seedAttack(uint64(s)))), nil
			})
			if err != nil {
				return nil, err
			}
			md.evidence = append(md.evidence, v)
			if slices.Contains(cfg.Temperature.Models, model) {
				if md.temp == nil {
					md.temp = make([][][]float64, len(cfg.Temperature.Taus))
					for t := range md.temp {
						md.temp[t] = make([][]float64, len(temps))
					}
				}
				for t, tau := range cfg.Temperature.Taus {
					for k, meth := range temps {
						v, err := cell(fmt.Sprintf("temperature %g %s", tau, meth), func(net *plasticity.Network) ([]float64, error) {
							env.Logf("robustness-settled: seed %d, %s, τ = %g, attack %s", s, model, tau, meth)
							res, err := attack.Robustness(attack.Temperature(attack.Network(net), tau), sp.Test, &attack.Settings{Config: attack.Config{
								Eps: []float64{cfg.Temperature.Eps}, Images: cfg.Attack.Images, Seed: uint64(s), Attacks: []attack.Method{meth}}})
							if err != nil {
								return nil, err
							}
							return []float64{res.Robust[0]}, nil
						})
						if err != nil {
							return nil, err
						}
						md.temp[t][k] = append(md.temp[t][k], v[0])
					}
				}
			}
		}
	}
	return settledReport(env, cfg, rep, attacks, dists, temps, csvRows, distRows, func(model string) settledModel {
		md := data[model]
		return settledModel{acc: md.acc, clean: md.clean, first: md.first, combined: md.combined, dist: md.dist,
			evidence: md.evidence, temp: md.temp, seconds: md.seconds, distSec: md.distSec}
	})
}

// seedAttack is the stream attack.Robustness chooses its images with.
func seedAttack(s uint64) *rand.PCG { return seed.PCG(s, seed.Attack, 0) }

// shareAbove returns the share of first-broken indices f > e: the robust
// accuracy at radius index e.
func shareAbove(first []float64, e int) float64 {
	n := 0
	for _, f := range first {
		if int(f) > e {
			n++
		}
	}
	return float64(n) / float64(len(first))
}

func shareAboveInt(first []int, e int) float64 {
	n := 0
	for _, f := range first {
		if f > e {
			n++
		}
	}
	return float64(n) / float64(len(first))
}

// settledModel is one model's pooled data for the report.
type settledModel struct {
	acc, clean []float64
	first      [][]int
	combined   []int
	dist       [][]float64
	evidence   [][]float64
	temp       [][][]float64
	seconds    []float64
	distSec    []float64
}

func settledReport(env *Env, cfg settledConfig, rep *Report, attacks, dists, temps []attack.Method, csvRows, distRows [][]string, get func(string) settledModel) (*Report, error) {
	eps := cfg.Attack.Eps
	header := []string{"seed", "model", "attack", "clean_accuracy"}
	for _, e := range eps {
		header = append(header, fmt.Sprintf("robust_eps_%g", e))
	}
	header = append(header, "seconds")
	if err := output.WriteCSV(env.Path("attacks.csv"), header, csvRows); err != nil {
		return nil, err
	}
	if len(distRows) > 0 {
		if err := output.WriteCSV(env.Path("distances.csv"), []string{"seed", "model", "attack", "image", "distance"}, distRows); err != nil {
			return nil, err
		}
	}
	// Summary rows, pooled over seeds (images of every seed together).
	var sum [][]string
	names := make([]string, len(attacks))
	for k, m := range attacks {
		names[k] = m.String()
	}
	for _, model := range cfg.Models {
		md := get(model)
		for k := range attacks {
			row := []string{model, names[k]}
			for e := range eps {
				row = append(row, output.F(shareAboveInt(md.first[k], e)))
			}
			sum = append(sum, row)
		}
		row := []string{model, "all (strongest per image)"}
		for e := range eps {
			row = append(row, output.F(shareAboveInt(md.combined, e)))
		}
		sum = append(sum, row)
	}
	sh := []string{"model", "attack"}
	for _, e := range eps {
		sh = append(sh, fmt.Sprintf("robust_eps_%g", e))
	}
	if err := output.WriteCSV(env.Path("summary.csv"), sh, sum); err != nil {
		return nil, err
	}

	paperAt := func(model string, e float64) string {
		p, ok := paperTable2[model]
		if !ok || cfg.Dataset != "mnist" {
			return "—"
		}
		switch e {
		case 2:
			return p[2]
		case 4:
			return p[3]
		}
		return "—"
	}
	perSeed := func(first []int, e int) []float64 {
		// Robust accuracy per seed: the images of seed s are the s-th block.
		nImg := cfg.Attack.Images
		var v []float64
		for b := 0; b+nImg <= len(first); b += nImg {
			v = append(v, shareAboveInt(first[b:b+nImg], e))
		}
		return v
	}
	dsUnit := slices.IndexFunc(attacks, func(m attack.Method) bool { return m.Loss == attack.DoubleSoftmax && m.Normalize })
	for _, model := range cfg.Models {
		md := get(model)
		paper := "—"
		if p, ok := paperTable2[model]; ok && cfg.Dataset == "mnist" {
			paper = p[0]
		}
		rep.Rows = append(rep.Rows, Row{Quantity: fmt.Sprintf("test accuracy, %s", model), Ours: NewStat("%", md.acc...), Paper: paper})
		for e, r := range eps {
			if r != 2 && r != 4 {
				continue
			}
			rep.Rows = append(rep.Rows, Row{Quantity: fmt.Sprintf("robust accuracy, ε = %g, %s, all attacks (strongest per image)", r, model),
				Ours: NewStat("%", perSeed(md.combined, e)...), Paper: paperAt(model, r)})
			if dsUnit >= 0 {
				rep.Rows = append(rep.Rows, Row{Quantity: fmt.Sprintf("robust accuracy, ε = %g, %s, %s alone", r, model, names[dsUnit]),
					Ours: NewStat("%", perSeed(md.first[dsUnit], e)...), Paper: paperAt(model, r), Note: "masking-prone loss"})
			}
		}
		for k, m := range dists {
			var meds []float64
			nImg := cfg.Attack.Images
			for b := 0; b+nImg <= len(md.dist[k]); b += nImg {
				meds = append(meds, medianOf(md.dist[k][b:b+nImg]))
			}
			rep.Rows = append(rep.Rows, Row{Quantity: fmt.Sprintf("median minimal L2 distance, %s, %s", model, m), Ours: NewStat("", meds...), Paper: "—"})
		}
		gaps, zero := make([]float64, len(md.evidence)), make([]float64, len(md.evidence))
		for i, ev := range md.evidence {
			gaps[i], zero[i] = ev[0], ev[2]
		}
		rep.Rows = append(rep.Rows,
			Row{Quantity: fmt.Sprintf("median logit gap at clean images, %s", model), Ours: NewStat("", gaps...), Paper: "—"},
			Row{Quantity: fmt.Sprintf("double-softmax ∇ₓ exactly 0 at clean images, %s", model), Ours: NewStat("%", zero...), Paper: "—", Note: "share of (image, target) pairs"})
	}

	// Table of every attack, pooled over seeds, as a note.
	var b strings.Builder
	fmt.Fprintf(&b, "Robust accuracy by attack (each attack alone, accumulated over radii ≤ ε; images of all %d seeds pooled, %d per seed):\n\n| model | attack |", rep.Seeds, cfg.Attack.Images)
	for _, e := range eps {
		fmt.Fprintf(&b, " ε = %g |", e)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(eps)) + "\n")
	for _, r := range sum {
		fmt.Fprintf(&b, "| %s | %s |", r[0], r[1])
		for _, v := range r[2:] {
			var x float64
			fmt.Sscan(v, &x)
			fmt.Fprintf(&b, " %.0f %% |", 100*x)
		}
		b.WriteString("\n")
	}
	for k, m := range dists {
		how := fmt.Sprintf("bisection to %g, up to %g", cfg.Distances.Tol, cfg.Distances.Max)
		if m.Decision() {
			how = "its closest point"
		}
		fmt.Fprintf(&b, "\nMinimal L2 distance by %s (%s; pooled): ", m, how)
		var parts []string
		for _, model := range cfg.Models {
			d := get(model).dist[k]
			parts = append(parts, fmt.Sprintf("%s median %.3g (quartiles %.3g–%.3g)", model, medianOf(d), quantile(d, 0.25), quantile(d, 0.75)))
		}
		b.WriteString(strings.Join(parts, "; ") + ".")
	}
	b.WriteString("\n\nLogit-scale evidence at the clean attacked images (correctly classified; mean over seeds):\n\n| model |")
	for _, s := range settledEvidence {
		fmt.Fprintf(&b, " %s |", s)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(settledEvidence)) + "\n")
	for _, model := range cfg.Models {
		fmt.Fprintf(&b, "| %s |", model)
		md := get(model)
		for j := range settledEvidence {
			v := make([]float64, len(md.evidence))
			for i, ev := range md.evidence {
				v[i] = ev[j]
			}
			fmt.Fprintf(&b, " %.3g |", NewStat("", v...).Mean)
		}
		b.WriteString("\n")
	}
	if len(temps) > 0 && len(cfg.Temperature.Models) > 0 {
		fmt.Fprintf(&b, "\nTemperature study (logits divided by τ, predictions unchanged), robust accuracy at ε = %g, mean over seeds:\n\n| model | attack |", cfg.Temperature.Eps)
		for _, t := range cfg.Temperature.Taus {
			fmt.Fprintf(&b, " τ = %g |", t)
		}
		b.WriteString("\n|---|---|" + strings.Repeat("---|", len(cfg.Temperature.Taus)) + "\n")
		for _, model := range cfg.Temperature.Models {
			md := get(model)
			if md.temp == nil {
				continue
			}
			for k, m := range temps {
				fmt.Fprintf(&b, "| %s | %s |", model, m)
				for t := range cfg.Temperature.Taus {
					fmt.Fprintf(&b, " %.0f %% |", 100*NewStat("", md.temp[t][k]...).Mean)
				}
				b.WriteString("\n")
			}
		}
	}
	b.WriteString("\nWall-clock time per network and seed (seconds, mean over seeds; on a shared machine it depends on the load):")
	for _, model := range cfg.Models {
		md := get(model)
		var parts []string
		for k := range attacks {
			parts = append(parts, fmt.Sprintf("%s %.0f", names[k], md.seconds[k]/float64(rep.Seeds)))
		}
		for k, m := range dists {
			parts = append(parts, fmt.Sprintf("distance %s %.0f", m, md.distSec[k]/float64(rep.Seeds)))
		}
		fmt.Fprintf(&b, "\n- %s: %s.", model, strings.Join(parts, ", "))
	}
	rep.Notes = append(rep.Notes, b.String(),
		fmt.Sprintf("T = 3 rules: graph and output tables meta-learned on the training set (seed 1, %d steps, batch %d), the graph table scaled by %g (as in table2). \"T=3 ref\" uses the reference's recurrence (input added before the graph multiplication), its rules learned under it.", cfg.Meta.Steps, cfg.Meta.Batch, cfg.Meta.GraphScale),
		"Every break is a forward pass on a point inside the ball and the box, and every distance is that of a point verified misclassified: the robust accuracies are upper bounds and the distances upper bounds on the true minimal distance, whatever the attack. \"all\" counts an image broken at ε when any attack (the minimal-distance searches included) found an adversarial point within ε.")

	if err := settledFigures(env, cfg, attacks, dists, get); err != nil {
		return nil, err
	}
	return rep, nil
}

// quantile returns the q-quantile of v by the nearest rank (+Inf sorts last).
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}
