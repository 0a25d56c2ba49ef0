package genetics

import "fmt"

// MaxBruteForceLoci is the largest genome BruteForceIncrement enumerates.
const MaxBruteForceLoci = 20

// BruteForceIncrement writes the exact one-generation increment Δ_E into dst
// by brute force, straight from the definitions and independently of
// Dynamics: every one of the 2^M genotypes is enumerated to compute
// E[F] under x and, for every locus i, E[F | g_i = ±ε] as E[F] under x with
// x_i set to 1 or 0; then Δ_E,i = x_i(1−x_i)(E[F|+] − E[F|−])/(1 + E[F]).
// It costs (2M+1)·2^M loss evaluations and is meant to validate the exact
// engine on tiny genomes. It returns an error if M > MaxBruteForceLoci or a
// fitness cannot be computed.
func BruteForceIncrement(dst, x []float64, enc *Encoding, loss Loss, fit Fitness) error {
	if enc == nil || loss == nil {
		panic("genetics: nil encoding or loss")
	}
	if err := enc.Validate(); err != nil {
		return err
	}
	if err := fit.Validate(); err != nil {
		return err
	}
	enc.checkX(x)
	if len(dst) != len(x) {
		panic("genetics: len(dst) != len(x)")
	}
	if loss.Dim() != enc.Coefficients() {
		panic(fmt.Sprintf("genetics: loss of dimension %d for P=%d coefficients", loss.Dim(), enc.Coefficients()))
	}
	M := len(x)
	if M > MaxBruteForceLoci {
		return fmt.Errorf("genetics: brute force over %d loci: at most %d", M, MaxBruteForceLoci)
	}
	y := make([]float64, enc.Coefficients())
	genome := make([]uint64, enc.Words())
	xs := append([]float64(nil), x...)
	meanF := func() (float64, error) {
		s := 0.0
		for g := range uint64(1) << uint(M) {
			pr := 1.0
			clear(genome)
			for i := range M {
				if g>>uint(i)&1 == 1 {
					pr *= xs[i]
					w, b := enc.Locus(i)
					genome[w] |= 1 << b
				} else {
					pr *= 1 - xs[i]
				}
			}
			if pr == 0 {
				continue
			}
			enc.Decode(y, genome)
			f, err := fit.f(loss.Loss(y), y)
			if err != nil {
				return 0, err
			}
			s += pr * f
		}
		return s, nil
	}
	ef, err := meanF()
	if err != nil {
		return err
	}
	for i, xi := range x {
		xs[i] = 1
		fp, err := meanF()
		if err != nil {
			return err
		}
		xs[i] = 0
		fm, err := meanF()
		if err != nil {
			return err
		}
		xs[i] = xi
		dst[i] = xi * (1 - xi) * (fp - fm) / (1 + ef)
	}
	return nil
}
