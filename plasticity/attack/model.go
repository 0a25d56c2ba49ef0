package attack

import "github.com/evolve-toolkit/evolve/plasticity"

// Model is a classifier with an input gradient: what the attack needs to
// know about a network.
type Model interface {
	// Dim returns the input dimension d.
	Dim() int
	// Labels returns the number of labels m.
	Labels() int
	// NewWorker returns a Worker with private state, for one goroutine.
	NewWorker() Worker
}

// Worker evaluates a Model; it is not safe for concurrent use.
type Worker interface {
	// Predict returns the label predicted for x.
	Predict(x []float64) int
	// Grad writes to dx the gradient ∇ₓ CE(f(x), target) of the
	// cross-entropy of the logits of x against target, and returns the
	// label predicted for x.
	Grad(dx, x []float64, target int) int
}

// Network returns net as a Model. The gradient is plasticity's backward
// pass with the cap set of the forward pass fixed; each Worker owns a
// Workspace and a Grad. The network must not change while it is attacked.
func Network(net *plasticity.Network) Model { return network{net} }

type network struct{ net *plasticity.Network }

var _ Model = network{}

func (n network) Dim() int    { return n.net.Config().Inputs }
func (n network) Labels() int { return n.net.Config().Labels }

func (n network) NewWorker() Worker {
	return &netWorker{
		net: n.net,
		ws:  n.net.NewWorkspace(),
		g:   n.net.NewGrad(plasticity.PartX),
		dz:  make([]float64, n.net.Config().Labels),
	}
}

type netWorker struct {
	net *plasticity.Network
	ws  *plasticity.Workspace
	g   *plasticity.Grad
	dz  []float64
}

func (w *netWorker) Predict(x []float64) int { return w.net.ForwardWS(w.ws, x) }

func (w *netWorker) Grad(dx, x []float64, target int) int {
	pred := w.net.ForwardWS(w.ws, x)
	plasticity.LossGrad(w.dz, w.ws.Z, target, plasticity.CrossEntropy, 1)
	w.net.Backward(w.g, w.ws, x, w.dz)
	copy(dx, w.g.X)
	return pred
}
