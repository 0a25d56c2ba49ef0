package genetics

// Loss is a loss of the coefficient vector Y (length Dim). Loss must not
// retain or modify y. A Population calls Loss from several goroutines when
// PopulationConfig.Workers is not 1, so it must then be safe for concurrent
// use.
type Loss interface {
	Dim() int
	Loss(y []float64) float64
}

// Gradient is implemented by losses that know their gradient dL/dY. The
// variants that need ∇L(Ȳ) use it when present and central finite
// differences on Y otherwise.
type Gradient interface {
	// Gradient writes dL/dY at y into dst (both of length Dim).
	Gradient(dst, y []float64)
}

// LossFunc adapts functions to the Loss interface.
type LossFunc struct {
	// N is the dimension P of Y.
	N int
	// Func is the loss L(Y).
	Func func(y []float64) float64
	// Grad writes dL/dY into dst. If Grad is nil, central finite
	// differences are used where a gradient is needed.
	Grad func(dst, y []float64)
}

// Dim returns f.N.
func (f LossFunc) Dim() int { return f.N }

// Loss returns f.Func(y).
func (f LossFunc) Loss(y []float64) float64 { return f.Func(y) }

var _ Loss = LossFunc{}

// gradientOf returns the gradient function of l, or nil.
func gradientOf(l Loss) func(dst, y []float64) {
	switch f := l.(type) {
	case LossFunc:
		return f.Grad
	case *LossFunc:
		return f.Grad
	case Gradient:
		return f.Gradient
	}
	return nil
}
