package experiments

import (
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/cputime"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// BenchmarkNetworkCurvature1000 measures what evolve curvature does on a
// |V| = 1000, k = 500, T = 3 network trained by rules on MNIST (issue 12:
// under a minute on two cores): λ_top, λ_min and the trace of the loss
// with respect to the output and graph weights (10,000 + about 500,000 parameters), at
// the defaults of evolve curvature: 256 training images, 20 Lanczos steps
// and 20 Hutchinson probes (40 Hessian–vector products), 8 parts.
func BenchmarkNetworkCurvature1000(b *testing.B) {
	sp, err := dataset.Load("mnist", &dataset.Options{Seed: 1, TrainSize: 256, TestSize: 1})
	if err != nil {
		b.Skip(err)
	}
	net, err := plNet(plasticity.Config{Nodes: 1000, Cap: 500, Rounds: 3, Seed: 1}, sp.Train)
	if err != nil {
		b.Fatal(err)
	}
	g := plasticity.NewRule(plasticity.GraphRule, 3)
	for i := range g.Table {
		g.Table[i] = 0.01 * float64(i%7-3)
	}
	if _, err := plasticity.Train(net, plasticity.Rules{Graph: g, Output: plasticity.Perceptron(3)}, sp.Train, nil); err != nil {
		b.Fatal(err)
	}
	h, err := NetworkHessian(net, sp.Train, plasticity.CrossEntropy, BlockAll, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cputime.Process()
	for i := 0; i < b.N; i++ {
		c, err := MeasureCurvature(h, CurvatureConfig{Lanczos: 20, Probes: 20, Seed: 1}, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(c.LambdaTop(), "λ_top")
		b.ReportMetric(float64(c.Products), "HVPs")
	}
	// CPU seconds per measurement: the wall time on a loaded machine says
	// little; on two idle cores the wall time is about half of this.
	b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}
