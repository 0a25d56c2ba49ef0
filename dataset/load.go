package dataset

import (
	"fmt"
	"strings"

	"github.com/evolve-toolkit/evolve/internal/seed"
)

// Options configures Load. The zero value works.
type Options struct {
	// Dir is the directory of the IDX files of mnist and fashion. If Dir
	// is "", DefaultDir(name) is used. Synthetic sets ignore it.
	Dir string

	// Seed seeds the synthetic sets (teacher and points, from separate
	// streams per data set) and the choice of the subsets of TrainSize
	// and TestSize. The same seed gives the same sets.
	Seed uint64

	// TrainSize, if positive, is the number of training examples. For
	// mnist and fashion it keeps a seeded random subset of that size of
	// the training set (the paper uses 10,000 MNIST images), in the
	// original order; a size at least the size of the set keeps all. For
	// the synthetic sets it is the number of points generated (default
	// 10,000); the points are drawn in sequence, so a smaller size gives a
	// prefix of the set of a larger one, itself a random sample.
	TrainSize int

	// TestSize, if positive, is the number of test examples, as TrainSize.
	TestSize int

	// Uniform, for halfspace only, draws the teacher w from uniform[−1, 1]^d
	// (the reference's choice) instead of N(0, I).
	Uniform bool
}

// Validate reports options that cannot be used: negative sizes.
func (o *Options) Validate() error {
	if o.TrainSize < 0 {
		return fmt.Errorf("dataset: negative training size %d", o.TrainSize)
	}
	if o.TestSize < 0 {
		return fmt.Errorf("dataset: negative test size %d", o.TestSize)
	}
	return nil
}

// names lists the data sets in the order of Names.
var names = []string{"halfspace", "relu1", "relu2", "rnn", "mnist", "fashion"}

// Names returns the names of the data sets Load knows: the synthetic
// halfspace, relu1, relu2, rnn and the image sets mnist and fashion.
func Names() []string { return append([]string(nil), names...) }

// Load returns the named data set (see Names) with the options opt; nil
// means the zero Options.
//
// Synthetic sets have SyntheticTrain training and SyntheticTest test
// points of dimension 10 with 2 labels; mnist and fashion have 784
// dimensions and 10 labels, read from the IDX files in opt.Dir or
// DefaultDir(name). The sets are named name+"/train" and name+"/test".
func Load(name string, opt *Options) (*Split, error) {
	if opt == nil {
		opt = &Options{}
	}
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if syn, ok := synthetics[name]; ok {
		return loadSynthetic(name, syn, opt), nil
	}
	var id int
	switch name {
	case "mnist":
		id = idMNIST
	case "fashion":
		id = idFashion
	default:
		return nil, fmt.Errorf("dataset: unknown data set %q; valid names: %s", name, strings.Join(names, ", "))
	}
	dir := opt.Dir
	if dir == "" {
		var err error
		if dir, err = DefaultDir(name); err != nil {
			return nil, err
		}
	}
	train, test, err := readRawSplit(dir, "")
	if err != nil {
		return nil, err
	}
	pick := func(r *rawSet, n, role int) []int {
		if n <= 0 || n >= r.len() {
			return nil
		}
		return SampleIndex(r.len(), n, seed.PCG(opt.Seed, seed.Sample, stream(id, role)))
	}
	trainIdx := pick(train, opt.TrainSize, roleTrain)
	testIdx := pick(test, opt.TestSize, roleTest)
	sp := &Split{}
	done := make(chan struct{})
	go func() {
		sp.Train = train.set(name+"/train", trainIdx)
		close(done)
	}()
	sp.Test = test.set(name+"/test", testIdx)
	<-done
	return sp, nil
}
