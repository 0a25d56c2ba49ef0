package fitness

import (
	"fmt"
	"math"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// OutputRule is the landscape of an additive output rule trained in the
// smooth setting of appendix B: every example updates (All) and column 1
// of the rule hits every wrong label (AllEdges), starting from U = 0. The
// coefficients Y are the 2^T × 2 entries of the rule table, row-major
// ([pattern][column]). The final output weights are then linear in Y and
// independent of the example order:
//
//	U[c][i] = η Σ_s ( N₀[c][i][s] R[s][0] + N₁[c][i][s] R[s][1] ),
//
// with N₀ the number of training examples of label c in which node i had
// pattern s and N₁ that of the other labels; so the logits of every
// evaluation example are linear in Y, z_x = F_x Y, and the loss (SPEC §3:
// cross-entropy or MSE, mean over the batch) is smooth and, for
// cross-entropy, convex (Theorem 2). The graph weights (a fixed optional
// graph rule) and the patterns do not depend on Y; they are computed once
// by one training pass. Loss and Gradient cost O(batch · m · 2^(T+1)).
type OutputRule struct {
	p      int       // number of coefficients, 2^(T+1)
	m      int       // labels
	feat   []float64 // batch × m × p: z_x[c] = Σ_e feat[x][c][e] Y_e
	labels []int
	loss   plasticity.Loss
}

var _ Landscape = (*OutputRule)(nil)

// OutputRuleSettings configure NewOutputRule. The zero value works.
type OutputRuleSettings struct {
	// Graph is a fixed graph rule applied during training (T ≥ 2); nil means none.
	Graph *plasticity.Rule
	// Loss is plasticity.CrossEntropy (the default) or plasticity.MSE.
	Loss plasticity.Loss
	// Eval is the set the loss is measured on; nil means the training
	// batch itself (the meta-learning loss of SPEC §3).
	Eval *dataset.Set
}

// NewOutputRule builds the landscape for a network with configuration cfg
// (its Scheme and AllEdges are overridden to All and true; masks and input
// weights come from cfg.Seed) trained on batch.
func NewOutputRule(cfg plasticity.Config, batch *dataset.Set, s *OutputRuleSettings) (*OutputRule, error) {
	if s == nil {
		s = &OutputRuleSettings{}
	}
	loss := s.Loss
	if loss == "" {
		loss = plasticity.CrossEntropy
	}
	if err := loss.Validate(); err != nil {
		return nil, err
	}
	cfg.Scheme = plasticity.All
	cfg.AllEdges = true
	cfg.Epochs = max(cfg.Epochs, 1)
	cfg.Inputs, cfg.Labels = batch.Dim, batch.Labels
	net, err := plasticity.New(cfg, seed.PCG(cfg.Seed, seed.Network, 0))
	if err != nil {
		return nil, err
	}
	cfg = net.Config()
	n, m, T := cfg.Nodes, cfg.Labels, cfg.Rounds
	S := 1 << T
	// One training pass records every example's patterns: the counts N.
	cnt := make([]float64, m*n*S) // N₀[c][i][s]
	tot := make([]float64, n*S)   // N₀ + N₁ summed over labels
	_, err = plasticity.Train(net, plasticity.Rules{Graph: s.Graph}, batch, &plasticity.TrainSettings{
		Record: func(_, y int, ws *plasticity.Workspace) {
			for i, sp := range ws.Pattern {
				cnt[(y*n+i)*S+sp]++
				tot[i*S+sp]++
			}
		},
	})
	if err != nil {
		return nil, err
	}
	eval := s.Eval
	if eval == nil {
		eval = batch
	}
	if eval.Dim != batch.Dim || eval.Labels > m {
		return nil, fmt.Errorf("fitness: evaluation set %q does not match the training batch", eval.Name)
	}
	P := 2 * S
	o := &OutputRule{p: P, m: m, feat: make([]float64, eval.Len()*m*P), labels: append([]int(nil), eval.Y...), loss: loss}
	eta := cfg.Eta
	ws := net.NewWorkspace()
	xbuf := make([]float64, eval.Dim)
	for x := 0; x < eval.Len(); x++ {
		net.ForwardWS(ws, eval.Row(x, xbuf))
		hT := ws.H[T]
		for _, i := range ws.Fired[T] {
			h := hT[i]
			if h == 0 {
				continue
			}
			for c := 0; c < m; c++ {
				f := o.feat[(x*m+c)*P : (x*m+c+1)*P]
				for sp := 0; sp < S; sp++ {
					n0 := cnt[(c*n+int(i))*S+sp]
					n1 := tot[int(i)*S+sp] - n0
					f[2*sp] += eta * n0 * h
					f[2*sp+1] += eta * n1 * h
				}
			}
		}
	}
	return o, nil
}

// Dim returns 2^(T+1), the number of entries of the output rule.
func (o *OutputRule) Dim() int { return o.p }

// Loss returns the mean loss over the evaluation set with rule table y.
func (o *OutputRule) Loss(y []float64) float64 { return o.eval(nil, y) }

// Gradient writes ∇L(y) to dst and returns L(y).
func (o *OutputRule) Gradient(dst, y []float64) float64 {
	if len(dst) != o.p {
		panic("fitness: OutputRule.Gradient: dst has wrong length")
	}
	clear(dst)
	return o.eval(dst, y)
}

func (o *OutputRule) eval(dst, y []float64) float64 {
	if len(y) != o.p {
		panic("fitness: OutputRule: y has wrong length")
	}
	var zbuf, dzbuf [64]float64
	z, dz := zbuf[:0], dzbuf[:0]
	if o.m <= 64 {
		z, dz = zbuf[:o.m], dzbuf[:o.m]
	} else {
		z, dz = make([]float64, o.m), make([]float64, o.m)
	}
	P, m := o.p, o.m
	nx := len(o.labels)
	scale := 1 / float64(nx)
	var l float64
	for x := 0; x < nx; x++ {
		for c := 0; c < m; c++ {
			f := o.feat[(x*m+c)*P : (x*m+c+1)*P]
			var s float64
			for e, v := range f {
				s += v * y[e]
			}
			z[c] = s
		}
		y := o.labels[x]
		if m == 2 && o.loss == plasticity.CrossEntropy {
			// Two labels: ℓ = softplus(z_other − z_y), one exp and one log1p.
			d := z[1-y] - z[y]
			e := math.Exp(-math.Abs(d))
			l += max(d, 0) + math.Log1p(e)
			if dst != nil {
				s := 1 / (1 + e) // σ(|d|)
				if d < 0 {
					s = 1 - s
				}
				dz[1-y], dz[y] = scale*s, -scale*s
			}
		} else {
			l += plasticity.LossGrad(dz, z, y, o.loss, scale)
		}
		if dst != nil {
			for c := 0; c < m; c++ {
				f := o.feat[(x*m+c)*P : (x*m+c+1)*P]
				for e, v := range f {
					dst[e] += dz[c] * v
				}
			}
		}
	}
	if math.IsNaN(l) {
		return math.NaN()
	}
	return l * scale
}
