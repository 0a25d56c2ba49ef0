package plasticity

import "math"

// The MLP rule's first and second derivatives for RuleHessian. For one
// table entry with input bits x, a_h = W1_h·x + B1_h, t_h = tanh a_h and
// T = Σ_h W2_h t_h + B2; a direction (dW1, dB1, dW2, dB2) of the weights
// changes a_h by da_h = dW1_h·x + dB1_h and T by
//
//	dT = Σ_h (dW2_h t_h + W2_h t′_h da_h) + dB2,
//
// with t′ = 1 − t², t″ = −2t(1 − t²). The Hessian of T times the
// direction has the entries
//
//	W2_h:  t′_h da_h,
//	B1_h:  ρ_h = dW2_h t′_h + W2_h t″_h da_h,
//	W1_hi: ρ_h x_i,
//	B2:    0.

// jacVec sets dst (one value per table entry) to the change of the table
// under the weight direction v (laid out as Params).
func (m *MLP) jacVec(dst, v []float64, kind Kind, rounds int) {
	in, rows, cols := m.shape(kind, rounds)
	if len(dst) != rows*cols || len(v) != m.NumParams() {
		panic("plasticity: MLP.jacVec: wrong lengths")
	}
	dW1, dB1, dW2, dB2 := m.splitParams(v)
	var x [2*MaxRounds + 1]float64
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			MLPBits(x[:in], kind, rounds, r, c)
			out := dB2
			for h := 0; h < m.Hidden; h++ {
				a, da := m.B1[h], dB1[h]
				w, dw := m.W1[h*in:(h+1)*in], dW1[h*in:(h+1)*in]
				for i, xi := range x[:in] {
					a += w[i] * xi
					da += dw[i] * xi
				}
				t := math.Tanh(a)
				out += dW2[h]*t + m.W2[h]*(1-t*t)*da
			}
			dst[r*cols+c] = out
		}
	}
}

// hessVecTerm adds to dst (laid out as Params) Σ_e dTable[e] ∇²T_e v, the
// second-order term of the chain rule through the MLP.
func (m *MLP) hessVecTerm(dst, dTable, v []float64, kind Kind, rounds int) {
	in, rows, cols := m.shape(kind, rounds)
	if len(dst) != m.NumParams() || len(v) != m.NumParams() || len(dTable) != rows*cols {
		panic("plasticity: MLP.hessVecTerm: wrong lengths")
	}
	dW1, dB1, dW2, _ := m.splitParams(v)
	oW1, oB1, oW2, _ := m.splitParams(dst)
	var x [2*MaxRounds + 1]float64
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			g := dTable[r*cols+c]
			if g == 0 {
				continue
			}
			MLPBits(x[:in], kind, rounds, r, c)
			for h := 0; h < m.Hidden; h++ {
				a, da := m.B1[h], dB1[h]
				w, dw := m.W1[h*in:(h+1)*in], dW1[h*in:(h+1)*in]
				for i, xi := range x[:in] {
					a += w[i] * xi
					da += dw[i] * xi
				}
				t := math.Tanh(a)
				d1 := 1 - t*t
				d2 := -2 * t * d1
				oW2[h] += g * d1 * da
				rho := g * (dW2[h]*d1 + m.W2[h]*d2*da)
				oB1[h] += rho
				for i, xi := range x[:in] {
					oW1[h*in+i] += rho * xi
				}
			}
		}
	}
}

// shape returns the MLP's inputs and the table's rows and columns.
func (m *MLP) shape(kind Kind, rounds int) (in, rows, cols int) {
	in, rows, cols = mlpInputs(kind, rounds), 1<<rounds, 2
	if kind == GraphRule {
		cols = rows
	}
	return in, rows, cols
}

// splitParams views a parameter vector (Params layout) as W1, B1, W2, B2.
func (m *MLP) splitParams(p []float64) (w1, b1, w2 []float64, b2 float64) {
	a, b := len(m.W1), len(m.W1)+len(m.B1)
	return p[:a], p[a:b], p[b : b+len(m.W2)], p[b+len(m.W2)]
}
