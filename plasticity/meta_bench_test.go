package plasticity

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkMetaStep times one meta-learning step at the size of the
// issue's target: |V| = 100, k = 50, T = 3, batch 100, relu1, an MLP
// graph rule of width 20 and an output rule table. The reference
// PyTorch implementation takes about 85 ms per step; x-vs-pytorch is
// that time over this one's CPU time per step (run with -cpu 1).
func BenchmarkMetaStep(b *testing.B) {
	sp := loadSet(b, "relu1", 10000)
	net, err := New(Config{Inputs: 10, Labels: 2, Nodes: 100, Cap: 50, Rounds: 3, Seed: 1}, rand.NewPCG(1, 1))
	if err != nil {
		b.Fatal(err)
	}
	// Warm up: the rules after 20 steps make realistic update counts.
	res, err := Meta(net, sp.Train, Rules{}, &MetaSettings{MetaConfig: MetaConfig{Graph: ParamMLP, Steps: 20, Seed: 1}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	if _, err := Meta(net, sp.Train, res.Rules, &MetaSettings{MetaConfig: MetaConfig{Graph: ParamMLP, Steps: b.N, Seed: 2}}); err != nil {
		b.Fatal(err)
	}
	// CPU time per step does not grow with the load of a shared machine
	// (it includes the garbage collector's, which is small here).
	if cpu := processCPU() - cpu0; cpu > 0 {
		ms := cpu.Seconds() * 1e3 / float64(b.N)
		b.ReportMetric(ms, "cpu-ms/step")
		b.ReportMetric(85/ms, "x-vs-pytorch")
	}
}
