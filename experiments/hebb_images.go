package experiments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/evolve-toolkit/evolve/internal/atomicfile"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/plasticity/hebb"
)

// hebbSlug turns a run name into a file name part.
func hebbSlug(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, name)
}

func init() {
	register(&Experiment{
		Name:       "hebb-images",
		Title:      "differentiable plasticity: half-image completion on MNIST and Fashion-MNIST, plastic vs non-plastic",
		Reproduces: "Miconi, Clune & Stanley 2018, the image reconstruction task (grey CIFAR-10 there; MNIST and Fashion-MNIST here, SPEC §10)",
		FullTime:   "about 6 CPU-minutes (2 data sets, plastic and non-plastic, 150 episodes, 1 seed)",
		Run:        runHebbImages,
	})
}

func runHebbImages(env *Env, text []byte) (*Report, error) {
	var cfg hebbExpConfig
	if err := decode(text, &cfg); err != nil {
		return nil, err
	}
	if cfg.CurveBins < 1 {
		return nil, fmt.Errorf("curve_bins %d: want ≥ 1", cfg.CurveBins)
	}
	runs := cfg.Runs
	if env.Quick {
		runs = cfg.Quick
		cfg.Images.Present, cfg.Images.Gap, cfg.Images.Cycles, cfg.Images.Test, cfg.Images.K = 2, 0, 1, 1, 2
		cfg.Images.Dim, cfg.Images.Rows = 784, 28
		cfg.TrainImages, cfg.TestImages = 200, 100
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("no runs configured")
	}
	for _, r := range runs {
		if r.Task != HebbImages {
			return nil, fmt.Errorf("run %q: task %q, want images", r.Name, r.Task)
		}
	}
	n := seeds(env, 1, 1)
	rep := &Report{Seeds: n}
	curves := &hebbCurves{runs: runs, metric: "loss"}
	var summary [][]string
	// recs[dataset] holds, for seed 1, the test images and every run's
	// reconstruction (the same test episodes for every run of a data set).
	type recSet struct {
		base  [][3][]float64
		names []string
		outs  [][][]float64
	}
	recs := map[string]*recSet{}
	var datasets []string
	for _, r := range runs {
		var mse []float64
		for s := 1; s <= n; s++ {
			c := hebbRunConfig(r, cfg, uint64(s))
			if err := c.Validate(); err != nil {
				return nil, fmt.Errorf("run %q: %w", r.Name, err)
			}
			label := fmt.Sprintf("seed %d, %s", s, r.Name)
			pfile := env.Path(fmt.Sprintf("params-%s-seed%d.npz", hebbSlug(r.Name), s))
			v, err := env.Cell(label, func() ([]float64, error) {
				return hebbTrainCell(env, c, cfg.CurveBins, "hebb-images: "+label, func(st *HebbSetup) {
					var buf bytes.Buffer
					extra, _ := json.Marshal(map[string]any{"task": c, "command": "experiment hebb-images", "version": env.Version})
					if hebb.WriteParams(&buf, st.Net, extra) == nil {
						atomicfile.Write(pfile, buf.Bytes())
					}
				})
			})
			if err != nil {
				return nil, err
			}
			mse = append(mse, v[0])
			curves.add(r, s, v)
			summary = append(summary, []string{fmt.Sprint(s), r.Name, c.Dataset, fmt.Sprint(c.Episodes), output.F(v[0]), output.F(v[2]), output.F(v[3])})
			if b, err := os.ReadFile(pfile); err == nil && s == 1 {
				net, _, err := hebb.ReadParams(bytes.NewReader(b), int64(len(b)), pfile)
				if err != nil {
					return nil, err
				}
				// A fresh test generator of the seed: the same episodes for every run.
				fresh, err := c.Setup(net, env.DataDir)
				if err != nil {
					return nil, err
				}
				rs := recs[c.Dataset]
				if rs == nil {
					rs = &recSet{}
					recs[c.Dataset] = rs
					datasets = append(datasets, c.Dataset)
				}
				got := HebbReconstructions(net, fresh.TestImages, 3)
				if rs.base == nil {
					rs.base = got
				}
				rs.names = append(rs.names, r.Name)
				var outs [][]float64
				for _, g := range got {
					outs = append(outs, g[2])
				}
				rs.outs = append(rs.outs, outs)
			}
		}
		rep.Rows = append(rep.Rows, Row{Quantity: "test MSE on the erased half: " + r.Name, Ours: NewStat("", mse...), Paper: r.Reference,
			Note: fmt.Sprintf("%d episodes, α %s", hebbRunConfig(r, cfg, 1).Episodes, hebbRunConfig(r, cfg, 1).Network.Alpha)})
	}
	if err := output.WriteCSV(env.Path("curves.csv"), []string{"seed", "run", "episodes", "loss", "sign_error"}, curves.rows); err != nil {
		return nil, err
	}
	if err := output.WriteCSV(env.Path("final.csv"), []string{"seed", "run", "dataset", "episodes", "test_mse", "eta", "train_seconds"}, summary); err != nil {
		return nil, err
	}
	if err := curves.figure(env.Path("curves"), "training MSE on the erased half (bin mean)", n); err != nil {
		return nil, err
	}
	for _, ds := range datasets {
		rs := recs[ds]
		var grid [][]HebbPanel
		for i, b := range rs.base {
			row := []HebbPanel{{fmt.Sprintf("original %d", i+1), b[0]}, {"erased input", b[1]}}
			for k, name := range rs.names {
				row = append(row, HebbPanel{name, rs.outs[k][i]})
			}
			grid = append(grid, row)
		}
		if err := HebbSaveGrid(env.Path("reconstructions-"+ds), grid); err != nil {
			return nil, err
		}
	}
	rep.Notes = append(rep.Notes,
		"Test MSE: mean squared error on the erased half at the last step, on fresh episodes of test-set images (images centred, max |pixel| = 1). The paper shows reconstructions on grey CIFAR-10 and no number comparable with these; SPEC §10 gives none for MNIST.",
		"reconstructions-DATASET.png: original, erased input and each run's output at the last step, on the same test episodes (seed 1). The trained parameters are kept as params-RUN-seedS.npz; `evolve hebb evaluate FILE` evaluates them.")
	return rep, nil
}
