package plasticity

import "math"

// Adam is the Adam optimiser of Kingma and Ba with coupled L2 weight
// decay: the decay λ·θ is added to the gradient before the moment
// estimates, as in the classic formulation (and PyTorch's Adam with
// weight_decay), not decoupled as in AdamW. The zero value is ready to
// use; its moments are sized at the first Step.
type Adam struct {
	// LR is the learning rate. If LR is 0, 1e-2 is used.
	LR float64
	// Beta1 is the decay of the first moment. If Beta1 is 0, 0.9 is used.
	Beta1 float64
	// Beta2 is the decay of the second moment. If Beta2 is 0, 0.999 is used.
	Beta2 float64
	// Eps is added to the root of the second moment. If Eps is 0, 1e-8 is used.
	Eps float64
	// WeightDecay is the L2 coefficient λ added as λθ to the gradient
	// (0: none).
	WeightDecay float64

	m, v []float64
	t    int
}

// Step updates x in place by one Adam step for the gradient grad; grad is
// not modified. The length of x must not change between steps.
func (a *Adam) Step(x, grad []float64) {
	if len(x) != len(grad) {
		panic("plasticity: Adam.Step: length mismatch")
	}
	if a.m == nil {
		a.m = make([]float64, len(x))
		a.v = make([]float64, len(x))
	}
	if len(a.m) != len(x) {
		panic("plasticity: Adam.Step: parameter length changed")
	}
	lr, b1, b2, eps := a.LR, a.Beta1, a.Beta2, a.Eps
	if lr == 0 {
		lr = 1e-2
	}
	if b1 == 0 {
		b1 = 0.9
	}
	if b2 == 0 {
		b2 = 0.999
	}
	if eps == 0 {
		eps = 1e-8
	}
	a.t++
	c1 := 1 - math.Pow(b1, float64(a.t))
	c2 := 1 - math.Pow(b2, float64(a.t))
	for i, g := range grad {
		g += a.WeightDecay * x[i]
		a.m[i] = b1*a.m[i] + (1-b1)*g
		a.v[i] = b2*a.v[i] + (1-b2)*g*g
		x[i] -= lr * (a.m[i] / c1) / (math.Sqrt(a.v[i]/c2) + eps)
	}
}

// Steps returns the number of steps taken.
func (a *Adam) Steps() int { return a.t }
