// Package sim runs evolution and gradient descent side by side on one
// fitness landscape (SPEC §8) and checks the corrected theorem of
// appendix C numerically.
//
// A comparison (Run) advances every run one generation or one step at a
// time, aligned: generation t of a population is step t of a gradient
// method. Evolution runs are the deterministic allele-frequency maps of
// package genetics (exact, mean-field, the paper's literal recursion) or
// a finite Wright–Fisher population; gradient runs are plain gradient
// descent on Y, Adam (the meta-learner's optimiser), the natural gradient
// on allele frequencies
//
//	x ← x − θ x(1−x) ∂L̃/∂x,   L̃(x) = E_x[L(Y)],
//
// which the exact map equals up to O(θ²), and Lande's phenotype gradient
// descent preconditioned by the genetic covariance,
//
//	Y ← Y − θ G ∇L(Y),   G = Cov(Y) at the start.
//
// Every recorded generation (Runs.RecordEvery: by default every one)
// records, for every run, the coefficients, the loss at the mean L(Ȳ),
// the mean loss L̃ and mean fitness (evolution runs), the genetic variance,
// the spread of allele frequencies, the linkage disequilibrium of
// Wright–Fisher populations (mean |D| over sampled locus pairs, with its
// standard error) and the distance to the reference run (the first
// evolution run). Observing a run draws no random numbers; what it
// computes ahead (fitnesses, the map's next frequencies, the gradient) is
// what the next step would compute on the same landscape, so the runs
// evolve identically whatever is recorded.
// Runs checkpoint their whole state, generator state included, so a
// resumed run writes the same trajectory as an uninterrupted one; by
// default when 30 s of wall time have passed since the last checkpoint and
// after the last generation (Runs.CheckpointSeconds), or after every K-th
// generation (Runs.CheckpointEvery). The clock decides only when the state
// is saved, never what the runs do.
//
// Check implements the one-step (T1), fixed-horizon (T2) and ε ∝ θ (T3)
// tests of SPEC §8 and the finite-population N^(−1/2) test.
//
// References: Lande, R. (1979) Quantitative genetic analysis of
// multivariate evolution; Shahshahani, S. (1979) A new mathematical
// framework for the study of linkage and selection; Baum, L. E. and
// Eagon, J. A. (1967) An inequality with applications to statistical
// estimation for probabilistic functions of Markov processes.
package sim
