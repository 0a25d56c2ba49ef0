package hebb

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// ImageTask is the image reconstruction task of SPEC §10 on images of
// Dim pixels in Rows rows: K images per episode, each shown Cycles times
// (Present steps, then Gap steps of zero input), then one of them with
// its top or bottom half (random) set to 0 for Test steps. Input neurons
// are clamped (x_j = u_j where u_j ≠ 0; a pixel that is exactly 0 after
// centring is not clamped). Loss and metric: mean squared error on the
// erased half at the last step. Images are centred and scaled to
// max |pixel| = 1.
type ImageTask struct {
	// Dim is the number of pixels, Rows the number of rows.
	Dim  int `toml:"dim" json:"dim"`
	Rows int `toml:"rows" json:"rows"`
	// K is the number of images per episode; Present, Gap, Cycles and
	// Test are the steps of the schedule.
	K       int `toml:"k" json:"k"`
	Present int `toml:"present" json:"present"`
	Gap     int `toml:"gap" json:"gap"`
	Cycles  int `toml:"cycles" json:"cycles"`
	Test    int `toml:"test" json:"test"`
}

// DefaultImages is SPEC §10's image task for 28×28 images: 3 images, 3
// cycles of 20 steps with 2-step gaps, 3 test steps (T = 201).
func DefaultImages() ImageTask {
	return ImageTask{Dim: 784, Rows: 28, K: 3, Present: 20, Gap: 2, Cycles: 3, Test: 3}
}

// Steps returns T = Cycles·K·(Present + Gap) + Test.
func (t ImageTask) Steps() int { return t.Cycles*t.K*(t.Present+t.Gap) + t.Test }

// Validate reports sizes that cannot be used.
func (t ImageTask) Validate() error {
	if t.Dim < 2 || t.Rows < 2 || t.Dim%t.Rows != 0 || t.K < 1 || t.Present < 1 || t.Gap < 0 || t.Cycles < 1 || t.Test < 1 {
		return fmt.Errorf("hebb: image task %+v: want Dim a multiple of Rows ≥ 2, K, present, cycles, test ≥ 1, gap ≥ 0", t)
	}
	return nil
}

// ImageGen draws episodes of an ImageTask from a set of images.
type ImageGen struct {
	task  ImageTask
	rng   *rand.Rand
	x     []float64 // centred, scaled images
	n     int
	pick  []int
	order []int
	// Last records the last episode's test image index and erased half.
	LastImage  int
	LastBottom bool
}

// NewImageGen returns a generator over the images x (row-major, Dim
// values each); it keeps a centred, scaled copy.
func NewImageGen(task ImageTask, x []float64, src rand.Source) (*ImageGen, error) {
	if src == nil {
		panic("hebb: NewImageGen: nil source")
	}
	if err := task.Validate(); err != nil {
		return nil, err
	}
	if len(x) == 0 || len(x)%task.Dim != 0 || len(x)/task.Dim < task.K {
		return nil, fmt.Errorf("hebb: %d image values: want a positive multiple of %d with at least %d images", len(x), task.Dim, task.K)
	}
	g := &ImageGen{task: task, rng: rand.New(src), x: make([]float64, len(x)), n: len(x) / task.Dim,
		pick: make([]int, task.K), order: make([]int, task.K)}
	for k := range g.n {
		src := x[k*task.Dim : (k+1)*task.Dim]
		dst := g.x[k*task.Dim : (k+1)*task.Dim]
		CenterScale(dst, src)
	}
	return g, nil
}

// CenterScale writes src minus its mean, divided by the largest absolute
// value (if that is not 0), to dst.
func CenterScale(dst, src []float64) {
	m := 0.0
	for _, v := range src {
		m += v
	}
	m /= float64(len(src))
	mx := 0.0
	for i, v := range src {
		dst[i] = v - m
		mx = math.Max(mx, math.Abs(dst[i]))
	}
	if mx > 0 {
		for i := range dst {
			dst[i] /= mx
		}
	}
}

// NewEpisode allocates an episode of the task's size.
func (g *ImageGen) NewEpisode() *Episode { return NewEpisode(g.task.Steps(), g.task.Dim) }

// Image returns the centred, scaled image k (a view).
func (g *ImageGen) Image(k int) []float64 {
	return g.x[k*g.task.Dim : (k+1)*g.task.Dim : (k+1)*g.task.Dim]
}

// Next fills ep with a fresh episode: K distinct images drawn uniformly,
// a new order in each cycle, the test image and the erased half.
func (g *ImageGen) Next(ep *Episode) {
	t := g.task
	if ep.N != t.Dim || ep.T != t.Steps() {
		panic("hebb: ImageGen.Next: episode of the wrong size")
	}
	for k := range t.K {
	again:
		v := g.rng.IntN(g.n)
		for _, p := range g.pick[:k] {
			if p == v {
				goto again
			}
		}
		g.pick[k] = v
	}
	clear(ep.U)
	s := 1
	for range t.Cycles {
		for i := range g.order {
			g.order[i] = i
		}
		for i := len(g.order) - 1; i > 0; i-- {
			j := g.rng.IntN(i + 1)
			g.order[i], g.order[j] = g.order[j], g.order[i]
		}
		for _, k := range g.order {
			img := g.Image(g.pick[k])
			for range t.Present {
				copy(ep.Input(s), img)
				s++
			}
			s += t.Gap
		}
	}
	g.LastImage = g.pick[g.rng.IntN(t.K)]
	img := g.Image(g.LastImage)
	bottom := g.rng.IntN(2) == 1
	half := (t.Rows / 2) * (t.Dim / t.Rows) // the top half: rows [0, Rows/2)
	lo, hi := 0, half
	if bottom {
		lo, hi = half, t.Dim
	}
	for range t.Test {
		u := ep.Input(s)
		copy(u, img)
		clear(u[lo:hi])
		s++
	}
	copy(ep.Target, img)
	clear(ep.Weight)
	w := 1 / float64(hi-lo)
	for i := lo; i < hi; i++ {
		ep.Weight[i] = w
	}
	g.LastBottom = bottom
}
