package dataset_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/evolve-toolkit/evolve/dataset"
)

func ExampleLoad() {
	sp, err := dataset.Load("halfspace", &dataset.Options{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range []*dataset.Set{sp.Train, sp.Test} {
		fmt.Printf("%s: %d points, d = %d, label counts %v\n", s.Name, s.Len(), s.Dim, s.Counts())
	}
	fmt.Printf("first point: %.3f, label %d\n", sp.Train.Row(0, nil)[:3], sp.Train.Y[0])
	// Output:
	// halfspace/train: 10000 points, d = 10, label counts [5005 4995]
	// halfspace/test: 10000 points, d = 10, label counts [4981 5019]
	// first point: [0.497 -1.537 -0.921], label 0
}

func ExampleLoad_rnn() {
	// The rnn teacher is centred: its threshold is the median score of
	// 10,000 calibration points, so the classes are balanced.
	sp, err := dataset.Load("rnn", &dataset.Options{Seed: 7, TrainSize: 1000, TestSize: 100})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sp.Train.Len(), sp.Train.Counts(), sp.Test.Len(), sp.Test.Counts())
	// Output: 1000 [496 504] 100 [51 49]
}

func ExampleSet_Sample() {
	sp, err := dataset.Load("relu1", &dataset.Options{Seed: 2, TrainSize: 100, TestSize: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	sub := sp.Train.Sample(10, rand.NewPCG(1, 2))
	fmt.Println(sub.Len(), sub.Y)
	fmt.Println(dataset.SampleIndex(100, 10, rand.NewPCG(1, 2)))
	// Output:
	// 10 [1 0 1 0 1 0 0 1 0 1]
	// [8 20 25 26 48 52 62 76 78 80]
}

func ExampleNames() {
	fmt.Println(dataset.Names())
	// Output: [halfspace relu1 relu2 rnn mnist fashion]
}
