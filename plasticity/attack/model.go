package attack

import (
	"math"

	"gonum.org/v1/gonum/floats"

	"github.com/evolve-toolkit/evolve/plasticity"
)

// Model is a differentiable classifier: what the attack needs to know
// about a network.
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
	// Forward returns the logits of x. The slice belongs to the Worker and
	// is valid until the next call.
	Forward(x []float64) []float64
	// Backward writes to dx the gradient with respect to x of a loss whose
	// gradient with respect to the logits of the last Forward is dz.
	Backward(dx, dz []float64)
}

// BatchWorker is a Worker that also labels a batch of inputs at once,
// each exactly as predict(Forward(x)) would. The decision-based attack
// sends its independent queries through it when the Worker has it.
type BatchWorker interface {
	Worker
	// PredictBatch writes the label of xs[b] to pred[b]; len(xs) is at
	// most BatchSize.
	PredictBatch(xs [][]float64, pred []int)
	// BatchSize returns the largest batch PredictBatch takes.
	BatchSize() int
}

// predictBatch is the batch size of a network's BatchWorker (Evaluate's).
const predictBatch = 64

// predict returns the label of the largest logit (ties: the lowest index).
func predict(z []float64) int { return floats.MaxIdx(z) }

// Network returns net as a Model. The gradient is plasticity's backward
// pass with the cap set of the forward pass fixed; each Worker owns a
// Workspace and a Grad, and all share one dense copy of the graph weights
// made here (plasticity.FixedForward): the network must not change while
// it is attacked, nor between Network and the attack.
func Network(net *plasticity.Network) Model { return network{net, net.NewFixedForward()} }

// network is a plasticity network as a Model; ff (its forward pass with a
// dense copy of W) is shared read-only by all its workers.
type network struct {
	net *plasticity.Network
	ff  *plasticity.FixedForward
}

var _ Model = network{}

func (n network) Dim() int    { return n.net.Config().Inputs }
func (n network) Labels() int { return n.net.Config().Labels }

func (n network) NewWorker() Worker {
	return &netWorker{net: n.net, ff: n.ff, ws: n.net.NewWorkspace(), g: n.net.NewGrad(plasticity.PartX)}
}

type netWorker struct {
	net *plasticity.Network
	ff  *plasticity.FixedForward // the forward pass, with a dense copy of W
	ws  *plasticity.Workspace
	g   *plasticity.Grad
	x   []float64
	// p is made on the first PredictBatch; it reads ff's dense copy of
	// the graph weights.
	p *plasticity.Predictor
}

var _ BatchWorker = (*netWorker)(nil)

// PredictBatch labels xs with the batched kernels of Evaluate, which give
// the same labels as Forward, bit for bit (plasticity.Predictor).
func (w *netWorker) PredictBatch(xs [][]float64, pred []int) {
	if w.p == nil {
		w.p = w.ff.NewPredictor(predictBatch)
	}
	w.p.Predict(xs, pred)
}

func (w *netWorker) BatchSize() int { return predictBatch }

func (w *netWorker) Forward(x []float64) []float64 {
	w.ff.Forward(w.ws, x)
	w.x = x
	return w.ws.Z
}

func (w *netWorker) Backward(dx, dz []float64) {
	w.net.Backward(w.g, w.ws, w.x, dz)
	copy(dx, w.g.X)
}

// Temperature returns m with its logits divided by tau > 0. Predictions
// are unchanged; the attacked losses see logits tau times smaller, which
// is how the logit-scale study tells a loss that is masked by large logits
// (its robust accuracy depends on tau) from one that is not.
func Temperature(m Model, tau float64) Model {
	if !(tau > 0) || math.IsInf(tau, 0) {
		panic("attack: Temperature: tau must be positive and finite")
	}
	return scaled{m: m, inv: 1 / tau}
}

type scaled struct {
	m   Model
	inv float64
}

func (s scaled) Dim() int    { return s.m.Dim() }
func (s scaled) Labels() int { return s.m.Labels() }
func (s scaled) NewWorker() Worker {
	return &scaledWorker{w: s.m.NewWorker(), inv: s.inv, z: make([]float64, s.m.Labels()), dz: make([]float64, s.m.Labels())}
}

type scaledWorker struct {
	w     Worker
	inv   float64
	z, dz []float64
}

func (w *scaledWorker) Forward(x []float64) []float64 {
	floats.ScaleTo(w.z, w.inv, w.w.Forward(x))
	return w.z
}

// PredictBatch: dividing the logits by τ > 0 changes no label, so the
// scaled model's labels are the inner model's.
func (w *scaledWorker) PredictBatch(xs [][]float64, pred []int) {
	if bw, ok := w.w.(BatchWorker); ok {
		bw.PredictBatch(xs, pred)
		return
	}
	for b, x := range xs {
		pred[b] = predict(w.Forward(x))
	}
}

func (w *scaledWorker) BatchSize() int {
	if bw, ok := w.w.(BatchWorker); ok {
		return bw.BatchSize()
	}
	return 1
}

func (w *scaledWorker) Backward(dx, dz []float64) {
	floats.ScaleTo(w.dz, w.inv, dz)
	w.w.Backward(dx, w.dz)
}
