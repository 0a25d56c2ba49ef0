package experiments

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity/hebb"
)

// The tasks of HebbConfig.Task.
const (
	HebbPatternsReduced = "patterns-reduced"
	HebbPatternsFull    = "patterns-full"
	HebbImages          = "images"
)

// HebbTasks lists the tasks of HebbConfig.
var HebbTasks = []string{HebbPatternsReduced, HebbPatternsFull, HebbImages}

// HebbConfig is a training of a differentiable-plasticity network (SPEC
// §10) on one task: the configuration of "evolve hebb train" and of the
// runs of the hebb-* experiments. DefaultHebbConfig gives every field its
// value; at the user boundary a config file and flags are applied over it.
type HebbConfig struct {
	// Task is patterns-reduced, patterns-full (the pattern task, the sizes
	// in Patterns) or images (Images on Dataset).
	Task string `toml:"task" json:"task"`
	// Patterns is the size of the pattern task; Extra adds neurons
	// without input (the non-plastic baseline "with extra neurons").
	Patterns hebb.PatternTask `toml:"patterns" json:"patterns"`
	// Images is the image task.
	Images hebb.ImageTask `toml:"images" json:"images"`
	// Dataset is mnist or fashion (images).
	Dataset string `toml:"dataset" json:"dataset"`
	// DataDir is the folder of the IDX files ("" means the default place).
	DataDir string `toml:"data_dir" json:"data_dir,omitempty"`
	// TrainImages and TestImages are the numbers of images drawn (seeded)
	// from the training and test sets (0: all).
	TrainImages int `toml:"train_images" json:"train_images"`
	TestImages  int `toml:"test_images" json:"test_images"`
	// Network is the plastic network; its N is set from the task.
	Network hebb.Config `toml:"network" json:"network"`
	// Episodes is the number of training episodes, Batch the episodes per
	// Adam step, LR Adam's learning rate.
	Episodes int     `toml:"episodes" json:"episodes"`
	Batch    int     `toml:"batch" json:"batch"`
	LR       float64 `toml:"lr" json:"lr"`
	// EvalEpisodes is the number of fresh test episodes of the final
	// evaluation.
	EvalEpisodes int `toml:"eval_episodes" json:"eval_episodes"`
	// Seed seeds the network (stream seed.Network), the training episodes
	// (seed.Data) and the test episodes (seed.Sample).
	Seed uint64 `toml:"seed" json:"seed"`
}

// DefaultHebbConfig returns the defaults of a task (SPEC §10): the reduced
// or the paper's pattern task with Adam at 3e-4, one episode per step,
// 5000 or 2000 episodes; the image task on MNIST with clamped input.
func DefaultHebbConfig(task string) HebbConfig {
	c := HebbConfig{
		Task: task, Patterns: hebb.ReducedPatterns(), Images: hebb.DefaultImages(), Dataset: "mnist",
		TrainImages: 10000, TestImages: 1000,
		Network:  hebb.Config{}.Defaults(),
		Episodes: 5000, Batch: 1, LR: 3e-4, EvalEpisodes: 500, Seed: 1,
	}
	c.Patterns.Scale = 20
	switch task {
	case HebbPatternsFull:
		c.Patterns = hebb.FullPatterns()
		c.Patterns.Scale = 20
		c.Episodes, c.EvalEpisodes = 2000, 100
	case HebbImages:
		c.Network.Clamp = true
		c.Episodes, c.LR, c.EvalEpisodes = 500, 1e-3, 50
	}
	return c
}

// Neurons returns N of the task.
func (c HebbConfig) Neurons() int {
	if c.Task == HebbImages {
		return c.Images.Dim
	}
	return c.Patterns.Neurons()
}

// Validate reports the first problem, naming the setting.
func (c HebbConfig) Validate() error {
	switch c.Task {
	case HebbPatternsReduced, HebbPatternsFull:
		if err := c.Patterns.Validate(); err != nil {
			return err
		}
	case HebbImages:
		if err := c.Images.Validate(); err != nil {
			return err
		}
		if c.Dataset != "mnist" && c.Dataset != "fashion" {
			return fmt.Errorf("hebb: dataset %q: the image task needs mnist or fashion", c.Dataset)
		}
		if c.Images.Dim != 784 || c.Images.Rows != 28 {
			return fmt.Errorf("hebb: images of %d pixels in %d rows: %s has 784 in 28", c.Images.Dim, c.Images.Rows, c.Dataset)
		}
		if c.TrainImages < 0 || c.TestImages < 0 {
			return fmt.Errorf("hebb: train_images %d, test_images %d: want ≥ 0", c.TrainImages, c.TestImages)
		}
	default:
		return fmt.Errorf("hebb: unknown task %q (want %v)", c.Task, HebbTasks)
	}
	n := c.Network
	n.N = c.Neurons()
	if err := n.Validate(); err != nil {
		return err
	}
	if c.Network.Eta == 0 || c.Network.InitScale == 0 || c.Network.Memory == 0 {
		return fmt.Errorf("hebb: network eta %v, init_scale %v, memory_bytes %d: want non-zero values", c.Network.Eta, c.Network.InitScale, c.Network.Memory)
	}
	if c.Network.Rule == hebb.RuleNeuro && c.Network.Clip == 0 {
		return fmt.Errorf("hebb: the neuromodulated rule is always clipped: clip must be > 0")
	}
	switch {
	case c.Episodes < 1:
		return fmt.Errorf("hebb: episodes %d: want ≥ 1", c.Episodes)
	case c.Batch < 1:
		return fmt.Errorf("hebb: batch %d: want ≥ 1", c.Batch)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("hebb: lr %v: want a finite lr > 0", c.LR)
	case c.EvalEpisodes < 1:
		return fmt.Errorf("hebb: eval_episodes %d: want ≥ 1", c.EvalEpisodes)
	}
	return nil
}

// HebbSetup is a network with the generators of its task.
type HebbSetup struct {
	Cfg HebbConfig
	Net *hebb.Net
	// Train and Test draw training and test episodes (streams seed.Data
	// and seed.Sample of the seed; images from the training and test set).
	Train, Test hebb.Generator
	// TestImages is the image generator of Test (nil for patterns).
	TestImages *hebb.ImageGen
}

// Setup validates c and makes the network (unless net is given, as for
// evaluating saved parameters) and the generators.
func (c HebbConfig) Setup(net *hebb.Net, dataDir string) (*HebbSetup, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	s := &HebbSetup{Cfg: c}
	nc := c.Network
	nc.N = c.Neurons()
	if net == nil {
		var err error
		if net, err = hebb.NewNet(nc, seed.PCG(c.Seed, seed.Network, 0)); err != nil {
			return nil, err
		}
	} else if net.N != nc.N {
		return nil, fmt.Errorf("hebb: the network has %d neurons, the task %d", net.N, nc.N)
	}
	s.Net = net
	if c.Task == HebbImages {
		dir := c.DataDir
		if dir == "" {
			dir = dataDir
		}
		sp, err := dataset.Load(c.Dataset, &dataset.Options{Dir: dir, Seed: c.Seed, TrainSize: c.TrainImages, TestSize: c.TestImages})
		if err != nil {
			return nil, err
		}
		tr, err := hebb.NewImageGen(c.Images, sp.Train.Floats(), seed.PCG(c.Seed, seed.Data, 0))
		if err != nil {
			return nil, err
		}
		te, err := hebb.NewImageGen(c.Images, sp.Test.Floats(), seed.PCG(c.Seed, seed.Sample, 0))
		if err != nil {
			return nil, err
		}
		s.Train, s.Test, s.TestImages = tr, te, te
		return s, nil
	}
	tr, err := hebb.NewPatternGen(c.Patterns, seed.PCG(c.Seed, seed.Data, 0))
	if err != nil {
		return nil, err
	}
	te, err := hebb.NewPatternGen(c.Patterns, seed.PCG(c.Seed, seed.Sample, 0))
	if err != nil {
		return nil, err
	}
	s.Train, s.Test = tr, te
	return s, nil
}

// HebbPoint is one Adam step of a training: episodes done, the batch's
// mean loss and sign error (before the step).
type HebbPoint struct {
	Episodes      int
	Loss, SignErr float64
}

// HebbCurve bins a training log into at most bins points (means over
// consecutive steps) of loss and sign error against episodes.
func HebbCurve(log []HebbPoint, bins int) (loss, signErr plotter.XYs) {
	if len(log) == 0 || bins < 1 {
		return nil, nil
	}
	per := (len(log) + bins - 1) / bins
	for i := 0; i < len(log); i += per {
		j := min(i+per, len(log))
		var l, e float64
		for _, p := range log[i:j] {
			l += p.Loss
			e += p.SignErr
		}
		k := float64(j - i)
		x := float64(log[j-1].Episodes)
		loss = append(loss, plotter.XY{X: x, Y: l / k})
		signErr = append(signErr, plotter.XY{X: x, Y: e / k})
	}
	return loss, signErr
}

// HebbReconstructions draws n test episodes of an image task, runs net on
// them and returns, for each, the original, the erased input and the
// network's output at the last step (784 values each, in [−1, 1]).
func HebbReconstructions(net *hebb.Net, gen *hebb.ImageGen, n int) [][3][]float64 {
	ws := hebb.NewWorkspace(net.N)
	ep := gen.NewEpisode()
	var out [][3][]float64
	for range n {
		gen.Next(ep)
		ws.Forward(net, ep)
		u := ep.Input(ep.T)
		out = append(out, [3][]float64{append([]float64(nil), ep.Target...), append([]float64(nil), u...), append([]float64(nil), ws.X(ep.T)...)})
	}
	return out
}

// HebbPanel is one image of a figure: a title and its pixels in [−1, 1].
type HebbPanel struct {
	Title  string
	Pixels []float64
}

// HebbSaveGrid writes the images of grid (rows of panels, rows×cols of
// 28×28 pixels) to base.png and base.svg, grey scale with −1 black and 1
// white.
func HebbSaveGrid(base string, grid [][]HebbPanel) error {
	cols := 0
	var ps []*plot.Plot
	for _, row := range grid {
		cols = max(cols, len(row))
	}
	for _, row := range grid {
		for k := range cols {
			p := plot.New()
			p.HideAxes()
			if k < len(row) {
				v := row[k].Pixels
				const w = 28
				img := image.NewGray(image.Rect(0, 0, w, len(v)/w))
				for i, x := range v {
					g := uint8(math.Round(127.5 * (math.Max(-1, math.Min(1, x)) + 1)))
					img.SetGray(i%w, i/w, color.Gray{Y: g})
				}
				p.Title.Text = row[k].Title
				p.Add(plotter.NewImage(img, 0, 0, w, float64(len(v)/w)))
			}
			ps = append(ps, p)
		}
	}
	return output.SavePlots(base, ps, len(grid), cols, vg.Length(cols)*2*vg.Inch, vg.Length(len(grid))*2*vg.Inch)
}

// HebbSaveImages writes the reconstruction figure of recs (rows of
// original, erased input, reconstruction) to base.png and base.svg.
func HebbSaveImages(base string, recs [][3][]float64) error {
	var grid [][]HebbPanel
	for r, rec := range recs {
		grid = append(grid, []HebbPanel{{fmt.Sprintf("original %d", r+1), rec[0]}, {"erased input", rec[1]}, {"reconstruction", rec[2]}})
	}
	return HebbSaveGrid(base, grid)
}
