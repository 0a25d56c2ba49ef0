// Package genetics implements the population-genetic model of appendix C of
// "Learning with Plasticity Rules: Generalization and Robustness" (Cristian,
// Dabagia, Papadimitriou, Vempala): rule coefficients encoded by many loci of
// small effect in a haploid population under weak selection, run either as
// deterministic allele-frequency dynamics (infinite population, linkage
// equilibrium) or as a finite Wright–Fisher population of packed genomes.
//
// # Encoding
//
// A rule has P coefficients. With disjoint loci (the default) coefficient p
// is
//
//	Y_p = c_p + Σ_{ℓ=1..n} g_{pℓ},   g_{pℓ} ∈ {+ε, −ε},
//
// where allele +ε of locus (p, ℓ) has frequency x_{pℓ}; locus (p, ℓ) has the
// flat index i = p·n + ℓ. With shared loci Y = c + B g for a P×M matrix B
// (appendix C's last paragraph). Under the product (linkage-equilibrium)
// distribution
//
//	E[Y] = c + ε B (2x − 1),   G = Cov(Y) = B diag(4ε² x(1−x)) Bᵀ,
//
// which for disjoint loci is diagonal with G_pp = 4ε² Σ_ℓ x_{pℓ}(1 − x_{pℓ}).
//
// # Fitness
//
// w(Y) = 1 − θ L(Y) (Linear, requires θL < 1: otherwise an error) or
// w(Y) = exp(−θ L(Y)) (Exp). The package works with F = w − 1 computed
// directly (F = −θL or expm1(−θL)), so that increments of order θ keep full
// relative precision.
//
// # Exact infinite-population dynamics
//
// One generation of selection followed by free recombination to linkage
// equilibrium maps each locus frequency as
//
//	x_i' = x_i w_i⁺ / w̄,   w_i^± = E[w | g_i = ±ε],   w̄ = E[w],
//
// with expectations over the product distribution. Equivalently, with
// D_i = E[F | g_i = +ε] − E[F | g_i = −ε] = ∂E[F]/∂x_i,
//
//	Δ_E,i = x_i' − x_i = x_i(1 − x_i) D_i / (1 + E[F]),
//
// which is how the increment is computed (never as x' − x). For w = 1 − θL
// this is exactly one natural-gradient (Shahshahani) step on the mean loss
// L̃(x) = E_x[L(Y)]:
//
//	x_i' = x_i − η x_i(1 − x_i) ∂L̃/∂x_i,   η = θ / (1 − θ L̃),
//
// and the mean fitness never decreases (Baum–Eagon). In phenotype space the
// leading term is Lande's equation ΔȲ = −θ G ∇L(Ȳ).
//
// The expectations are computed exactly whenever possible: the number K_p of
// + alleles of a coefficient is binomial when its loci share a frequency and
// Poisson-binomial otherwise (dynamic programming); leave-one-out
// distributions come from a stable polynomial division. For P > 1 the joint
// support of (K_1, …, K_P) (or of the 2^M genotypes with shared loci) is
// enumerated when it is small, and otherwise E[F | K_p = j] is estimated by
// seeded Monte Carlo with common random numbers. The method used is reported
// in ExactResult.Method. BruteForceIncrement enumerates all 2^M genotypes
// straight from the definitions, to validate the engine on tiny genomes.
//
// # Approximations (for comparison only)
//
// The mean-field map (the paper's substitution) replaces w_i^± by
// w(E[Y | g_i = ±ε]). The paper's literal recursion, as printed,
//
//	x_i' = x_i − θ (2 − 2x_i) ∂L(Ȳ)/∂x_i,   ∂Ȳ_p/∂x_i = 2ε B_pi,
//
// is 2/x_i times the natural-gradient step at the mean; it is implemented
// only to show what it does. Increment computes the one-generation increments
// of every variant used by the numerical check of SPEC §8.
//
// # Wright–Fisher population
//
// Population holds N haploid genomes, one bit per locus (bit set = allele
// +ε). Each generation computes every individual's Y by popcount (with
// shared loci: masked popcounts when every row of B has at most 4 distinct
// nonzero entries, a sum over the set loci otherwise) and its fitness, draws parents in proportion to fitness in O(1) each (rejection
// from the uniform distribution under weak selection, when the mean fitness
// is at least half the largest; Walker's alias method otherwise), and forms
// each offspring by free recombination of two parents with a random bit mask
// per 64 loci, child = (a & m) | (b &^ m) (option: clonal copies), followed by
// optional mutation at rate μ per locus. Randomness for offspring comes from
// streams fixed per chunk of individuals, so results do not depend on the
// number of goroutines. Stats reports allele frequencies, the mean and
// variance of every Y_p, mean loss and fitness, and linkage disequilibrium;
// MarshalBinary saves the exact state.
//
// # Linkage disequilibrium
//
// For loci i ≠ j, D_ij = f_ij(+,+) − f_i f_j in the population (exact: every
// genome is counted). Averaging |D_ij| over all loci(loci − 1)/2 pairs
// would cost O(N·loci²); instead K = PopulationConfig.LDPairs pairs
// (i_k, j_k), i_k ≠ j_k, are drawn uniformly and independently, with
// replacement, once at construction (seeded, kept in checkpoints, the same
// pairs every generation) and
//
//	LD = (1/K) Σ_k |D_{i_k j_k}|,   se = s/√K,   s² = Σ_k (|D_k| − LD)²/(K − 1),
//
// an unbiased estimate of the mean |D| over all pairs whose standard error
// over the choice of pairs is se (Stats.LDErr). The allele counts N·f_i
// come from the pass that gives the frequencies: the genomes are read in
// memory order, 16 at a time, and a carry-save adder tree (Harley–Seal)
// adds each genome word into bit-sliced counters, 64 loci per word
// operation (256 with AVX2). While a block of 16–64 genomes is in the
// cache, the joint count N·f_ij(+,+) of each pair is one rotation, two
// ANDs and an addition per genome (the bit of j rotated onto the bit of
// i), so a generation's LD costs O(N·K) word operations whatever the
// number of loci, and every D_ij is exact. Under neutrality and free
// recombination |D| does not vanish: a finite population has |D| of order
// 1/√N by sampling alone.
//
// # References
//
//   - L. E. Baum, J. A. Eagon (1967). An inequality with applications to
//     statistical estimation for probabilistic functions of Markov processes.
//     Bull. Amer. Math. Soc. 73:360–363.
//   - S. Shahshahani (1979). A new mathematical framework for the study of
//     linkage and selection. Mem. Amer. Math. Soc. 211.
//   - R. Lande (1976, 1979). Natural selection and random genetic drift in
//     phenotypic evolution; Quantitative genetic analysis of multivariate
//     evolution. Evolution 30:314–334; 33:402–416.
//   - W. J. Ewens (2004). Mathematical Population Genetics I. Springer.
//   - E. Chastain, A. Livnat, C. Papadimitriou, U. Vazirani (2014).
//     Algorithms, games, and evolution. PNAS 111:10620–10623.
//   - A. J. Walker (1977). An efficient method for generating discrete random
//     variables with general distributions. ACM TOMS 3:253–256; M. D. Vose
//     (1991). A linear algorithm for generating random numbers with a given
//     distribution. IEEE TSE 17:972–975.
//   - W. Muła, N. Kurz, D. Lemire (2018). Faster population counts using
//     AVX2 instructions. Comput. J. 61:111–120 (the Harley–Seal carry-save
//     adder tree).
package genetics
