package plasticity

import (
	"fmt"

	"github.com/evolve-toolkit/evolve/dataset"
	"gonum.org/v1/gonum/mat"
)

// OptimalRule is the result of OptimalOutputRule.
type OptimalRule struct {
	// Rule is the additive output rule of least MSE.
	Rule *Rule
	// MSE is its loss on the data, (1/N) Σ_x (1/m) Σ_c (z_c − 1[c = y])².
	MSE float64
	// Gram and B are the normal equations Gram·θ = B solved for the
	// 2^T·2 entries θ of the table (row-major, as Rule.Table), scaled by
	// 1/(N·m) like the loss.
	Gram *mat.SymDense
	B    *mat.VecDense
	// Rank is the rank used for the solution: entries for patterns that
	// never occur are undetermined and set to 0 (least-norm solution).
	Rank int
}

// OptimalOutputRule returns the additive output rule of least mean squared
// error against one-hot targets after one epoch of training on data
// (paper appendix B; SPEC §4). With the All scheme, AllEdges, no graph
// rule and U starting at 0, the final output weights
//
//	U[c][i] = η Σ_s (R[s][0]·N_y(c, i, s) + R[s][1]·(N(i, s) − N_y(c, i, s)))
//
// are linear in the table, where N(i, s) counts the examples on which node
// i has pattern s and N_y(c, i, s) those of them labelled c, independent of
// the order; the patterns do not depend on the rule (W stays 0). The MSE
// is quadratic in the 2^T·2 entries, so the optimum solves a linear
// system, assembled in O(N·m·|V|) time from two passes of forward passes.
//
// The network must be configured with the All scheme and AllEdges. Its
// graph weights are set to 0 for the computation and restored.
func OptimalOutputRule(net *Network, data *dataset.Set) (*OptimalRule, error) {
	cfg := net.cfg
	if cfg.Scheme != All || !cfg.AllEdges {
		return nil, fmt.Errorf("plasticity: the optimal MSE output rule needs scheme %q and all-edges, the network has %q and all-edges=%v", All, cfg.Scheme, cfg.AllEdges)
	}
	if data.Dim != net.d {
		return nil, fmt.Errorf("plasticity: data set %q has dimension %d, the network expects %d", data.Name, data.Dim, net.d)
	}
	if data.Labels > net.m {
		return nil, fmt.Errorf("plasticity: data set %q has %d labels, the network has %d outputs", data.Name, data.Labels, net.m)
	}
	N := data.Len()
	if N == 0 {
		return nil, fmt.Errorf("plasticity: data set %q is empty", data.Name)
	}
	savedW := append([]float64(nil), net.W...)
	clear(net.W)
	defer copy(net.W, savedW)

	n, m, S := net.n, net.m, 1<<net.T
	P := 2 * S
	eta := cfg.Eta
	ws := net.NewWorkspace()
	xbuf := make([]float64, data.Dim)
	// Pass 1: counts N(i, s) and N_y(c, i, s).
	cnt := make([]float64, n*S)
	cntY := make([]float64, m*n*S)
	for x := 0; x < N; x++ {
		net.ForwardWS(ws, data.Row(x, xbuf))
		y := data.Y[x]
		for i, s := range ws.Pattern {
			cnt[i*S+s]++
			cntY[(y*n+i)*S+s]++
		}
	}
	// Pass 2: z_c(x) = Σ_p θ_p F_p[c](x) with
	// F_(s,0)[c] = η Σ_{i fired} N_y(c,i,s) h_i, F_(s,1)[c] = η Σ_{i fired} (N(i,s) − N_y(c,i,s)) h_i.
	gram := make([]float64, P*P)
	b := make([]float64, P)
	F := make([]float64, m*P) // F[c*P + p]
	var tt float64            // Σ_x Σ_c t_c² = N
	for x := 0; x < N; x++ {
		net.ForwardWS(ws, data.Row(x, xbuf))
		y := data.Y[x]
		clear(F)
		hT := ws.H[net.T]
		for _, i := range ws.Fired[net.T] {
			h := hT[i]
			if h == 0 {
				continue
			}
			ci := cnt[int(i)*S : int(i+1)*S]
			for c := 0; c < m; c++ {
				cy := cntY[(c*n+int(i))*S : (c*n+int(i)+1)*S]
				f := F[c*P : (c+1)*P]
				for s := 0; s < S; s++ {
					f[2*s] += eta * cy[s] * h
					f[2*s+1] += eta * (ci[s] - cy[s]) * h
				}
			}
		}
		for c := 0; c < m; c++ {
			f := F[c*P : (c+1)*P]
			for p, fp := range f {
				if fp == 0 {
					continue
				}
				row := gram[p*P : (p+1)*P]
				for q, fq := range f {
					row[q] += fp * fq
				}
			}
		}
		for p := 0; p < P; p++ {
			b[p] += F[y*P+p]
		}
		tt++
	}
	scale := 1 / float64(N*m)
	G := mat.NewSymDense(P, nil)
	for p := 0; p < P; p++ {
		for q := p; q < P; q++ {
			G.SetSym(p, q, gram[p*P+q]*scale)
		}
	}
	B := mat.NewVecDense(P, nil)
	for p := range b {
		B.SetVec(p, b[p]*scale)
	}
	theta, rank, err := solveLeastNorm(G, B)
	if err != nil {
		return nil, err
	}
	r := NewRule(OutputRule, net.T)
	copy(r.Table, theta)
	// MSE = θᵀGθ − 2Bᵀθ + (1/(N m)) Σ t².
	tv := mat.NewVecDense(P, theta)
	var gt mat.VecDense
	gt.MulVec(G, tv)
	mse := mat.Dot(tv, &gt) - 2*mat.Dot(B, tv) + tt*scale
	return &OptimalRule{Rule: r, MSE: mse, Gram: G, B: B, Rank: rank}, nil
}

// solveLeastNorm returns the least-norm solution of the symmetric positive
// semi-definite system Gθ = b, dropping eigenvalues below 1e-12 times the
// largest, and the rank kept.
func solveLeastNorm(G *mat.SymDense, b *mat.VecDense) ([]float64, int, error) {
	var eig mat.EigenSym
	if !eig.Factorize(G, true) {
		return nil, 0, fmt.Errorf("plasticity: optimal rule: eigendecomposition failed")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	top := 0.0
	for _, v := range vals {
		top = max(top, v)
	}
	P := len(vals)
	theta := make([]float64, P)
	rank := 0
	for k, v := range vals {
		if v <= 1e-12*top || v <= 0 {
			continue
		}
		rank++
		col := mat.Col(nil, k, &vecs)
		c := mat.Dot(mat.NewVecDense(P, col), b) / v
		for p := range theta {
			theta[p] += c * col[p]
		}
	}
	return theta, rank, nil
}
