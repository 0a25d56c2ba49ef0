package plasticity

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// MLP parameterises a rule table by a network with one tanh hidden layer:
//
//	r(bits) = W2 · tanh(W1 · bits + B1) + B2
//
// The inputs are the pattern bits as ±1 (+1 for fired), round 1 first: for a
// graph rule the T bits of the pre-synaptic pattern then the T bits of the
// post-synaptic one; for an output rule the T pattern bits then the column
// bit (+1 for column 1, the predicted label).
type MLP struct {
	// Hidden is the hidden width H. If Hidden is 0, 20 is used by NewMLP.
	Hidden int `json:"hidden"`
	// W1 is H × In, row-major.
	W1 []float64 `json:"w1"`
	// B1 has H entries.
	B1 []float64 `json:"b1"`
	// W2 has H entries.
	W2 []float64 `json:"w2"`
	// B2 is the output bias.
	B2 float64 `json:"b2"`
}

// mlpInputs returns the number of input bits of an MLP for a rule.
func mlpInputs(kind Kind, rounds int) int {
	if kind == GraphRule {
		return 2 * rounds
	}
	return rounds + 1
}

// NewMLP returns an MLP for a rule of the given kind and rounds, with
// weights drawn from N(0, 1/fan-in) and zero biases. A nil src panics.
func NewMLP(kind Kind, rounds, hidden int, src rand.Source) *MLP {
	if src == nil {
		panic("plasticity: NewMLP: nil source")
	}
	if hidden == 0 {
		hidden = 20
	}
	rng := rand.New(src)
	in := mlpInputs(kind, rounds)
	m := &MLP{Hidden: hidden, W1: make([]float64, hidden*in), B1: make([]float64, hidden), W2: make([]float64, hidden)}
	for i := range m.W1 {
		m.W1[i] = rng.NormFloat64() / math.Sqrt(float64(in))
	}
	for i := range m.W2 {
		m.W2[i] = rng.NormFloat64() / math.Sqrt(float64(hidden))
	}
	return m
}

// Clone returns a deep copy.
func (m *MLP) Clone() *MLP {
	c := *m
	c.W1 = append([]float64(nil), m.W1...)
	c.B1 = append([]float64(nil), m.B1...)
	c.W2 = append([]float64(nil), m.W2...)
	return &c
}

// NumParams returns the number of parameters.
func (m *MLP) NumParams() int { return len(m.W1) + len(m.B1) + len(m.W2) + 1 }

func (m *MLP) validate(kind Kind, rounds int) error {
	in := mlpInputs(kind, rounds)
	if m.Hidden <= 0 {
		return fmt.Errorf("mlp hidden width must be positive, got %d", m.Hidden)
	}
	if len(m.W1) != m.Hidden*in || len(m.B1) != m.Hidden || len(m.W2) != m.Hidden {
		return fmt.Errorf("mlp with %d inputs and width %d needs w1 %d, b1 %d, w2 %d values; got %d, %d, %d",
			in, m.Hidden, m.Hidden*in, m.Hidden, m.Hidden, len(m.W1), len(m.B1), len(m.W2))
	}
	for _, s := range [][]float64{m.W1, m.B1, m.W2, {m.B2}} {
		for _, v := range s {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("mlp has a non-finite weight %v", v)
			}
		}
	}
	return nil
}

// Bits writes the ±1 input bits of table entry (row, col) to dst.
func MLPBits(dst []float64, kind Kind, rounds, row, col int) {
	T := rounds
	for t := 0; t < T; t++ {
		dst[t] = bit(row, T-1-t)
	}
	if kind == GraphRule {
		for t := 0; t < T; t++ {
			dst[T+t] = bit(col, T-1-t)
		}
	} else {
		dst[T] = bit(col, 0)
	}
}

func bit(v, i int) float64 {
	if v>>i&1 == 1 {
		return 1
	}
	return -1
}

// Table evaluates the MLP at every entry of a rule table and writes the
// result to dst (row-major [row][col]).
func (m *MLP) Table(dst []float64, kind Kind, rounds int) {
	in := mlpInputs(kind, rounds)
	rows := 1 << rounds
	cols := 2
	if kind == GraphRule {
		cols = rows
	}
	if len(dst) != rows*cols {
		panic("plasticity: MLP.Table: wrong destination length")
	}
	var x [2*MaxRounds + 1]float64
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			MLPBits(x[:in], kind, rounds, r, c)
			out := m.B2
			for h := 0; h < m.Hidden; h++ {
				a := m.B1[h]
				w := m.W1[h*in : (h+1)*in]
				for i, xi := range x[:in] {
					a += w[i] * xi
				}
				out += m.W2[h] * math.Tanh(a)
			}
			dst[r*cols+c] = out
		}
	}
}

// Backward accumulates into grad (laid out as W1, B1, W2, B2: NumParams
// values) the gradient of Σ_entries dTable[e]·Table[e] with respect to the
// MLP's parameters, i.e. chains a gradient with respect to the table through
// the MLP.
func (m *MLP) Backward(grad, dTable []float64, kind Kind, rounds int) {
	in := mlpInputs(kind, rounds)
	rows := 1 << rounds
	cols := 2
	if kind == GraphRule {
		cols = rows
	}
	if len(grad) != m.NumParams() || len(dTable) != rows*cols {
		panic("plasticity: MLP.Backward: wrong lengths")
	}
	gW1 := grad[:len(m.W1)]
	gB1 := grad[len(m.W1) : len(m.W1)+len(m.B1)]
	gW2 := grad[len(m.W1)+len(m.B1) : len(m.W1)+len(m.B1)+len(m.W2)]
	var x [2*MaxRounds + 1]float64
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			g := dTable[r*cols+c]
			if g == 0 {
				continue
			}
			MLPBits(x[:in], kind, rounds, r, c)
			grad[len(grad)-1] += g
			for h := 0; h < m.Hidden; h++ {
				a := m.B1[h]
				w := m.W1[h*in : (h+1)*in]
				for i, xi := range x[:in] {
					a += w[i] * xi
				}
				th := math.Tanh(a)
				gW2[h] += g * th
				ga := g * m.W2[h] * (1 - th*th)
				gB1[h] += ga
				for i, xi := range x[:in] {
					gW1[h*in+i] += ga * xi
				}
			}
		}
	}
}

// Params copies the parameters to dst (W1, B1, W2, B2) and returns it.
func (m *MLP) Params(dst []float64) []float64 {
	dst = append(dst[:0], m.W1...)
	dst = append(dst, m.B1...)
	dst = append(dst, m.W2...)
	return append(dst, m.B2)
}

// SetParams sets the parameters from p (W1, B1, W2, B2).
func (m *MLP) SetParams(p []float64) {
	if len(p) != m.NumParams() {
		panic("plasticity: MLP.SetParams: wrong length")
	}
	n := copy(m.W1, p)
	n += copy(m.B1, p[n:])
	n += copy(m.W2, p[n:])
	m.B2 = p[n]
}
