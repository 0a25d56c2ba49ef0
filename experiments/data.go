package experiments

import "github.com/evolve-toolkit/evolve/dataset"

// DataConfig names a data set and the sizes of its parts, as the configs
// of "evolve train", "meta", "baseline", "optimal-rule" and of train
// sweeps hold them (embedded, so its keys sit at the top level).
type DataConfig struct {
	// Dataset is one of dataset.Names().
	Dataset string `toml:"dataset" json:"dataset"`
	// DataDir is the folder of the IDX files ("" means the default place).
	DataDir string `toml:"data_dir" json:"data_dir"`
	// TrainSize is the number of training examples (0 means all; mnist and fashion default to 10,000).
	TrainSize int `toml:"train_size" json:"train_size"`
	// TestSize is the number of test examples (0 means all).
	TestSize int `toml:"test_size" json:"test_size"`
}

// WithDefaults returns d with the default training size filled in: 10,000
// random images for mnist and fashion (SPEC §7) when TrainSize is 0. At the
// user boundary an explicit train_size = 0 for these sets is therefore
// replaced, and rejected; for the other sets 0 means all and is kept.
func (d DataConfig) WithDefaults() DataConfig {
	if d.TrainSize == 0 && (d.Dataset == "mnist" || d.Dataset == "fashion") {
		d.TrainSize = 10000
	}
	return d
}

// Load loads the data set with dataSeed (synthetic sets and subsets). An
// unset TrainSize of mnist or fashion means 10,000 random training images,
// the paper's choice (SPEC §7).
func (d DataConfig) Load(dataSeed uint64) (*dataset.Split, error) {
	size := d.TrainSize
	if size == 0 && (d.Dataset == "mnist" || d.Dataset == "fashion") {
		size = 10000
	}
	return dataset.Load(d.Dataset, &dataset.Options{Dir: d.DataDir, Seed: dataSeed, TrainSize: size, TestSize: d.TestSize})
}
