package genetics

import (
	"bytes"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

func mustPop(t testing.TB, cfg *PopulationConfig, enc *Encoding, loss Loss, fit Fitness, seed uint64) *Population {
	t.Helper()
	p, err := NewPopulation(cfg, enc, loss, fit, rand.NewPCG(seed, 99))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func neutral(P int) LossFunc {
	return LossFunc{N: P, Func: func([]float64) float64 { return 0 }}
}

func popEncodings() []struct {
	name string
	enc  *Encoding
} {
	return []struct {
		name string
		enc  *Encoding
	}{
		{"disjoint", &Encoding{P: 3, N: 70, Eps: 0.01, Offset: []float64{0.1, 0, -0.1}}},
		{"shared", &Encoding{Eps: 0.01, B: RandomSharedLoci(3, 130, 2, rand.NewPCG(3, 4))}},
		// Real entries: Y is summed over set bits, not by masked popcounts.
		{"shared-general", &Encoding{Eps: 0.01, B: gaussianB(3, 100, 5)}},
	}
}

func gaussianB(P, M int, s uint64) *mat.Dense {
	r := rand.New(rand.NewPCG(s, 0))
	b := mat.NewDense(P, M, nil)
	for i := range P {
		for j := range M {
			b.Set(i, j, r.NormFloat64())
		}
	}
	return b
}

// TestPopulationDeterminism: results do not depend on the number of
// workers, and Y always equals the decoded genome.
func TestPopulationDeterminism(t *testing.T) {
	t.Parallel()
	for _, e := range popEncodings() {
		for _, clonal := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/clonal=%v", e.name, clonal), func(t *testing.T) {
				var ref []uint64
				for _, workers := range []int{1, 2, 3} {
					// N = 300 gives 3 chunks of 128, the last one partial.
					cfg := &PopulationConfig{N: 300, Clonal: clonal, Mu: 0.003, Workers: workers}
					p := mustPop(t, cfg, e.enc, quadLoss([]float64{0.3, -0.2, 0}), Fitness{Kind: Exp, Theta: 2}, 5)
					for range 15 {
						if err := p.Step(); err != nil {
							t.Fatal(err)
						}
					}
					var all []uint64
					y := make([]float64, 3)
					for j := range p.N() {
						all = append(all, p.Genome(j)...)
						e.enc.Decode(y, p.Genome(j))
						for q := range y {
							if !scalar.EqualWithinAbs(y[q], p.Y(j)[q], 1e-12) {
								t.Fatalf("individual %d: Y=%v, decoded %v", j, p.Y(j), y)
							}
						}
					}
					if ref == nil {
						ref = all
					} else if !equalU64(ref, all) {
						t.Errorf("workers=%d: genomes differ from workers=1", workers)
					}
				}
			})
		}
	}
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestPopulationSaveRestore: a restored population continues exactly.
func TestPopulationSaveRestore(t *testing.T) {
	t.Parallel()
	for _, e := range popEncodings() {
		cfg := &PopulationConfig{N: 200, Mu: 0.001, Workers: 2}
		loss, fit := quadLoss([]float64{0.2, 0.1, -0.3}), Fitness{Theta: 0.1}
		a := mustPop(t, cfg, e.enc, loss, fit, 1)
		for range 5 {
			a.Step()
		}
		state, err := a.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		b := mustPop(t, cfg, e.enc, loss, fit, 12345) // another seed: everything comes from the state
		if err := b.UnmarshalBinary(state); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			a.Step()
			b.Step()
		}
		sa, _ := a.MarshalBinary()
		sb, _ := b.MarshalBinary()
		if !bytes.Equal(sa, sb) || a.Generation() != 10 || b.Generation() != 10 {
			t.Errorf("%s: restored run differs", e.name)
		}
		var st1, st2 Stats
		a.Stats(&st1)
		b.Stats(&st2)
		if st1.LD != st2.LD || st1.MeanLoss != st2.MeanLoss {
			t.Errorf("%s: statistics differ after restore", e.name)
		}
		if err := b.UnmarshalBinary(state[:len(state)-3]); err == nil {
			t.Errorf("%s: truncated state accepted", e.name)
		}
	}
	// A source that cannot be saved.
	p, _ := NewPopulation(&PopulationConfig{N: 10}, &Encoding{N: 5}, neutral(1), Fitness{}, rand.NewChaCha8([32]byte{}))
	if _, err := p.MarshalBinary(); err != nil {
		t.Logf("ChaCha8 state: %v", err) // ChaCha8 implements MarshalBinary; either outcome is fine
	}
	p, _ = NewPopulation(&PopulationConfig{N: 10}, &Encoding{N: 5}, neutral(1), Fitness{}, sourceFunc(func() uint64 { return 7 }))
	if _, err := p.MarshalBinary(); err == nil || !strings.Contains(err.Error(), "cannot be saved") {
		t.Errorf("unsavable source: error %v", err)
	}
}

type sourceFunc func() uint64

func (f sourceFunc) Uint64() uint64 { return f() }

// TestStatistics compares Stats with direct counts over the genomes.
func TestStatistics(t *testing.T) {
	t.Parallel()
	for _, e := range popEncodings() {
		loci := e.enc.Loci()
		cfg := &PopulationConfig{N: 77, Start: randomX(loci, 0, 1, 8), LDPairs: 40}
		p := mustPop(t, cfg, e.enc, quadLoss([]float64{0, 0, 0}), Fitness{Theta: 0.3}, 2)
		p.Step()
		var st Stats
		if err := p.Stats(&st); err != nil {
			t.Fatal(err)
		}
		bit := func(j, i int) float64 {
			w, b := e.enc.Locus(i)
			return float64(p.Genome(j)[w] >> b & 1)
		}
		for i := range loci {
			c := 0.0
			for j := range p.N() {
				c += bit(j, i)
			}
			if st.Freq[i] != c/77 || float64(st.Count[i]) != c {
				t.Fatalf("%s: Freq[%d] = %v and Count %d, brute-force count %v", e.name, i, st.Freq[i], st.Count[i], c)
			}
		}
		var ys [3][]float64
		ml, mw := 0.0, 0.0
		for j := range p.N() {
			for q := range 3 {
				ys[q] = append(ys[q], p.Y(j)[q])
			}
			l := p.loss.Loss(p.Y(j))
			ml += l / 77
			mw += (1 - 0.3*l) / 77
		}
		for q := range 3 {
			m, v := stat.PopMeanVariance(ys[q], nil)
			if !scalar.EqualWithinAbs(st.MeanY[q], m, 1e-13) || !scalar.EqualWithinAbs(st.VarY[q], v, 1e-13) {
				t.Errorf("%s: Y_%d mean, variance %v, %v; want %v, %v", e.name, q, st.MeanY[q], st.VarY[q], m, v)
			}
		}
		if !scalar.EqualWithinAbs(st.MeanLoss, ml, 1e-13) || !scalar.EqualWithinAbs(st.MeanFitness, mw, 1e-13) {
			t.Errorf("%s: mean loss, fitness %v, %v; want %v, %v", e.name, st.MeanLoss, st.MeanFitness, ml, mw)
		}
		ld := 0.0
		for k := 0; k < len(p.pairs); k += 2 {
			a, b := int(p.pairs[k]), int(p.pairs[k+1])
			if a == b {
				t.Fatal("pair of a locus with itself")
			}
			nab := 0.0
			for j := range p.N() {
				nab += bit(j, a) * bit(j, b)
			}
			ld += math.Abs(nab/77 - st.Freq[a]*st.Freq[b])
		}
		if !scalar.EqualWithinAbs(st.LD, ld/40, 1e-14) {
			t.Errorf("%s: LD %v, want %v", e.name, st.LD, ld/40)
		}
	}
}

// TestAlias checks the alias sampler's frequencies against its weights,
// within 5 binomial standard errors.
func TestAlias(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		w      []float64
		reject bool
	}{
		{[]float64{1, 2, 3, 4, 0, 0.5, 7}, false},       // mean 2.5 < 7/2: alias method
		{[]float64{1, 0.9, 1.1, 0, 0.95, 1.2, 1}, true}, // mean 0.88 ≥ 1.2/2: rejection
	} {
		a := newAliasTable(len(tc.w))
		if err := a.build(tc.w); err != nil {
			t.Fatal(err)
		}
		if a.reject != tc.reject {
			t.Errorf("%v: rejection %v, want %v", tc.w, a.reject, tc.reject)
		}
		const draws = 1 << 20
		g := fastGen{s: 1}
		counts := make([]float64, len(tc.w))
		for range draws {
			counts[a.sample(&g)]++
		}
		total := 0.0
		for _, v := range tc.w {
			total += v
		}
		for i, c := range counts {
			pr := tc.w[i] / total
			se := math.Sqrt(pr * (1 - pr) / draws)
			if math.Abs(c/draws-pr) > 5*se+1e-9 {
				t.Errorf("%v: index %d: frequency %v, want %v ± %v", tc.w, i, c/draws, pr, se)
			}
		}
		if err := a.build(make([]float64, len(tc.w))); err == nil {
			t.Error("zero weights: no error")
		}
	}
}

// TestNeutralFixation: a neutral allele fixes with probability equal to its
// start frequency (Ewens 2004, §3.3). Tolerance: 4 standard errors of the
// mean of fix − p₀ over independent replicates.
func TestNeutralFixation(t *testing.T) {
	t.Parallel()
	reps := 2000
	if testing.Short() {
		reps = 400
	}
	enc := &Encoding{P: 1, N: 1, Eps: 1}
	const n, x0 = 20, 0.3
	diff := make([]float64, reps)
	freq := []float64{0}
	for r := range reps {
		p := mustPop(t, &PopulationConfig{N: n, Start: []float64{x0}, Workers: 1}, enc, neutral(1), Fitness{}, uint64(r))
		p.Frequencies(freq)
		start := freq[0]
		for freq[0] > 0 && freq[0] < 1 {
			p.Step()
			p.Frequencies(freq)
		}
		diff[r] = freq[0] - start
	}
	m, sd := stat.MeanStdDev(diff, nil)
	se := sd / math.Sqrt(float64(reps))
	if math.Abs(m) > 4*se {
		t.Errorf("fixation probability − start frequency = %v ± %v", m, se)
	}
}

// TestHeterozygosityDecay: gene diversity H = 2p(1−p) decays as (1 − 1/N)ᵗ
// in a neutral haploid Wright–Fisher population (Ewens 2004, §3.2), with
// free recombination and with clonal reproduction. Tolerance: 4 standard
// errors over replicates.
func TestHeterozygosityDecay(t *testing.T) {
	t.Parallel()
	reps := 40
	if testing.Short() {
		reps = 12
	}
	const n, loci = 50, 256
	checks := []int{10, 25, 50}
	for _, clonal := range []bool{false, true} {
		ratios := make([][]float64, len(checks))
		freq := make([]float64, loci)
		h := func() float64 {
			s := 0.0
			for _, x := range freq {
				s += 2 * x * (1 - x)
			}
			return s
		}
		for r := range reps {
			p := mustPop(t, &PopulationConfig{N: n, Clonal: clonal, Workers: 1}, &Encoding{P: 1, N: loci}, neutral(1), Fitness{}, uint64(1000+r))
			p.Frequencies(freq)
			h0 := h()
			c := 0
			for gen := 1; gen <= checks[len(checks)-1]; gen++ {
				p.Step()
				if gen == checks[c] {
					p.Frequencies(freq)
					ratios[c] = append(ratios[c], h()/h0)
					c++
				}
			}
		}
		for c, gen := range checks {
			m, sd := stat.MeanStdDev(ratios[c], nil)
			se := sd / math.Sqrt(float64(reps))
			want := math.Pow(1-1.0/n, float64(gen))
			if math.Abs(m-want) > 4*se {
				t.Errorf("clonal=%v t=%d: H_t/H_0 = %v ± %v, want %v", clonal, gen, m, se, want)
			}
		}
	}
}

// TestMutation: neutral symmetric mutation from all-minus alleles gives
// E[p_t] = ½(1 − (1 − 2μ)ᵗ), drift or not. Tolerance: 4 standard errors
// over replicates.
func TestMutation(t *testing.T) {
	t.Parallel()
	const n, loci, mu, gens, reps = 100, 300, 0.01, 20, 10
	enc := &Encoding{P: 2, N: loci / 2}
	means := make([]float64, reps)
	freq := make([]float64, loci)
	for r := range reps {
		p := mustPop(t, &PopulationConfig{N: n, Mu: mu, Start: make([]float64, loci), Workers: 1}, enc, neutral(2), Fitness{}, uint64(r))
		for range gens {
			p.Step()
		}
		p.Frequencies(freq)
		means[r] = stat.Mean(freq, nil)
	}
	m, sd := stat.MeanStdDev(means, nil)
	se := sd / math.Sqrt(reps)
	want := 0.5 * (1 - math.Pow(1-2*mu, gens))
	if math.Abs(m-want) > 4*se {
		t.Errorf("mean frequency %v ± %v, want %v", m, se, want)
	}
}

// TestLinkageDisequilibrium: from a product start under weak selection,
// free recombination keeps |D| at the level of sampling noise,
// E|D̂| ≈ √(2/π)·¼/√N for p = ½, while clonal reproduction builds it up.
func TestLinkageDisequilibrium(t *testing.T) {
	t.Parallel()
	const n, gens = 200, 100
	enc := &Encoding{P: 4, N: 50, Eps: 0.02}
	loss, fit := quadLoss([]float64{0.2, -0.1, 0.1, 0}), Fitness{Theta: 0.05}
	noise := math.Sqrt(2/math.Pi) * 0.25 / math.Sqrt(n)
	ld := map[bool]float64{}
	for _, clonal := range []bool{false, true} {
		p := mustPop(t, &PopulationConfig{N: n, Clonal: clonal, LDPairs: 400}, enc, loss, fit, 3)
		for gen := 1; gen <= gens; gen++ {
			p.Step()
			if !clonal && gen%10 == 0 {
				// Drift under free recombination adds LD of the same order
				// as sampling (E r² ≈ 1/N); allow twice the noise level.
				if v := p.LD(); v > 2*noise {
					t.Errorf("recombination: generation %d: mean |D| = %v > 2 × %v", gen, v, noise)
				}
			}
		}
		ld[clonal] = p.LD()
	}
	if ld[true] < 3*ld[false] {
		t.Errorf("clonal mean |D| = %v, not above 3 × recombining %v", ld[true], ld[false])
	}
	t.Logf("mean |D|: recombining %.4f, clonal %.4f, noise level %.4f", ld[false], ld[true], noise)
}

// TestConvergenceToDeterministic: the root-mean-square distance of the
// Wright–Fisher allele frequencies to the exact deterministic trajectory
// falls as N^(−1/2) (drift variance p(1−p)t/N). The fitted slope must be
// within 0.15 of −½.
func TestConvergenceToDeterministic(t *testing.T) {
	t.Parallel()
	enc := &Encoding{P: 2, N: 16, Eps: 0.05}
	loss, fit := quadLoss([]float64{0.5, -0.5}), Fitness{Theta: 0.25} // θ·max L = 0.25·3.38 < 1
	x0 := randomX(enc.Loci(), 0.2, 0.8, 21)
	const gens = 30
	d, err := NewDynamics(enc, loss, fit, nil)
	if err != nil {
		t.Fatal(err)
	}
	traj := make([][]float64, gens+1)
	traj[0] = x0
	for g := 1; g <= gens; g++ {
		traj[g] = make([]float64, len(x0))
		if _, err := d.Exact(traj[g], traj[g-1]); err != nil {
			t.Fatal(err)
		}
	}
	sizes := []float64{250, 1000, 4000}
	reps := 4
	if testing.Short() {
		sizes, reps = []float64{250, 1000}, 2
	}
	var logN, logRMS []float64
	freq := make([]float64, len(x0))
	for _, n := range sizes {
		s, cnt := 0.0, 0
		for r := range reps {
			p := mustPop(t, &PopulationConfig{N: int(n), Start: x0}, enc, loss, fit, uint64(r))
			for g := 1; g <= gens; g++ {
				if err := p.Step(); err != nil {
					t.Fatal(err)
				}
				p.Frequencies(freq)
				for i, v := range freq {
					s += (v - traj[g][i]) * (v - traj[g][i])
					cnt++
				}
			}
		}
		logN = append(logN, math.Log(n))
		logRMS = append(logRMS, 0.5*math.Log(s/float64(cnt)))
	}
	_, slope := stat.LinearRegression(logN, logRMS, nil, false)
	t.Logf("RMS %v at N = %v: slope %.3f", logRMS, sizes, slope)
	if math.Abs(slope+0.5) > 0.15 {
		t.Errorf("slope of log RMS on log N = %v, want −0.5 ± 0.15", slope)
	}
}

// TestPopulationErrors covers configuration errors and a fitness error.
func TestPopulationErrors(t *testing.T) {
	t.Parallel()
	enc := &Encoding{N: 4, Eps: 1}
	for _, cfg := range []*PopulationConfig{{N: -1}, {Mu: 2}, {Start: []float64{0.5}}, {Start: []float64{0, 0, 2, 0}}} {
		if _, err := NewPopulation(cfg, enc, neutral(1), Fitness{}, rand.NewPCG(1, 1)); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
	// Y ∈ [−4, 4] so L = Y² reaches 16 > 1/θ = 10.
	p := mustPop(t, &PopulationConfig{N: 1000, Workers: 2}, enc, quadLoss([]float64{0}), Fitness{Theta: 0.1}, 1)
	var err error
	for range 10 {
		if err = p.Step(); err != nil {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "individual") {
		t.Errorf("θL ≥ 1: error %v", err)
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("nil source: no panic")
		}
	}()
	NewPopulation(nil, enc, neutral(1), Fitness{}, nil)
}

// TestStepAllocs: Step and Stats do not allocate, with one worker or several.
func TestStepAllocs(t *testing.T) {
	for _, workers := range []int{1, 2} {
		p := mustPop(t, &PopulationConfig{N: 300, Mu: 0.001, Workers: workers}, &Encoding{P: 4, N: 100}, quadLoss([]float64{0, 0, 0, 0}), Fitness{Theta: 0.1}, 1)
		var st Stats
		p.Stats(&st)
		p.Step()
		if a := testing.AllocsPerRun(50, func() {
			p.Step()
			p.Stats(&st)
		}); a != 0 {
			t.Errorf("workers=%d: %v allocations per generation", workers, a)
		}
	}
}

// TestSelectionOneGeneration: given the parents, each offspring locus is a
// copy from a parent drawn with probability w_j/Σw, so the offspring
// frequency of locus i has mean p̄_i = Σ_j w_j b_ij / Σ_j w_j and variance
// p̄_i(1 − p̄_i)/N. Tolerance: 5 standard errors at every locus (64 loci).
func TestSelectionOneGeneration(t *testing.T) {
	t.Parallel()
	const n = 20000
	enc := &Encoding{P: 2, N: 32, Eps: 1.0 / 32}
	loss := quadLoss([]float64{0.5, -0.5})
	fit := Fitness{Kind: Exp, Theta: 5} // strong selection: p̄ moves far from the unweighted frequency
	for _, clonal := range []bool{false, true} {
		p := mustPop(t, &PopulationConfig{N: n, Clonal: clonal, Workers: 2}, enc, loss, fit, 17)
		loci := enc.Loci()
		want, before := make([]float64, loci), make([]float64, loci)
		sw := 0.0
		for j := range n {
			w, _ := fit.W(loss.Loss(p.Y(j)))
			sw += w
			g := p.Genome(j)
			for i := range loci {
				word, bit := enc.Locus(i)
				b := float64(g[word] >> bit & 1)
				want[i] += w * b
				before[i] += b / n
			}
		}
		if err := p.Step(); err != nil {
			t.Fatal(err)
		}
		got := make([]float64, loci)
		p.Frequencies(got)
		moved := 0.0
		for i := range loci {
			pbar := want[i] / sw
			se := math.Sqrt(pbar * (1 - pbar) / n)
			if z := (got[i] - pbar) / se; math.Abs(z) > 5 {
				t.Errorf("clonal=%v locus %d: frequency %v, want %v ± %v", clonal, i, got[i], pbar, se)
			}
			moved = math.Max(moved, math.Abs(pbar-before[i])/se)
		}
		if moved < 10 {
			t.Errorf("clonal=%v: selection moved no locus by 10 standard errors (max %v): the test has no power", clonal, moved)
		}
	}
}

// TestRecombinationMasks: with parents all-ones and all-zeros the child is
// the mask itself; every bit must be a fair coin, independent of its
// neighbours (correlation of adjacent bits and of the same bit in
// consecutive words ≈ 0) and the popcount per coefficient must be exact.
// Tolerance: 5 standard errors.
func TestRecombinationMasks(t *testing.T) {
	t.Parallel()
	const words, wpc, reps = 64, 16, 256
	a, b, child := make([]uint64, words), make([]uint64, words), make([]uint64, words)
	for i := range a {
		a[i] = ^uint64(0)
	}
	cnt := make([]int, words/wpc)
	s := uint64(12345)
	var ones, adjSame, vertSame, bitsN, pairsN, vertN float64
	prev := make([]uint64, words)
	for r := range reps {
		s = recombineCount(child, a, b, cnt, wpc, s)
		for q := range cnt {
			k := 0
			for _, v := range child[q*wpc : (q+1)*wpc] {
				k += bits.OnesCount64(v)
			}
			if k != cnt[q] {
				t.Fatalf("popcount %d, want %d", cnt[q], k)
			}
		}
		for w, v := range child {
			ones += float64(bits.OnesCount64(v))
			bitsN += 64
			adjSame += float64(63 - bits.OnesCount64((v^v>>1)&(1<<63-1)))
			pairsN += 63
			if r > 0 {
				vertSame += float64(64 - bits.OnesCount64(v^prev[w]))
				vertN += 64
			}
		}
		copy(prev, child)
	}
	for _, c := range []struct {
		name    string
		k, n, p float64
	}{{"ones", ones, bitsN, 0.5}, {"equal adjacent bits", adjSame, pairsN, 0.5}, {"equal bits in consecutive children", vertSame, vertN, 0.5}} {
		se := math.Sqrt(c.p * (1 - c.p) / c.n)
		if math.Abs(c.k/c.n-c.p) > 5*se {
			t.Errorf("%s: frequency %v, want %v ± %v", c.name, c.k/c.n, c.p, se)
		}
	}
}

// TestDecodePaths: the masked-popcount and the set-bit paths of shared loci
// are both in use for the encodings of popEncodings.
func TestDecodePaths(t *testing.T) {
	t.Parallel()
	want := map[string]bool{"disjoint": false, "shared": true, "shared-general": false}
	for _, e := range popEncodings() {
		p := mustPop(t, &PopulationConfig{N: 10}, e.enc, neutral(3), Fitness{}, 1)
		if got := p.terms != nil; got != want[e.name] {
			t.Errorf("%s: masked popcounts %v, want %v", e.name, got, want[e.name])
		}
	}
}
