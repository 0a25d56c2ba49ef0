package hebb

import (
	"fmt"
	"math"
)

// Episode is one episode of input: U holds u(t) for t = 1..T as T rows of
// N values; the loss is Σ_j Weight_j (x_j(T) − Target_j)².
type Episode struct {
	T, N   int
	U      []float64 // T×N, row t−1 is u(t)
	Target []float64 // N
	Weight []float64 // N; 0 leaves a neuron out of the loss
}

// NewEpisode allocates an episode of T steps and N neurons.
func NewEpisode(t, n int) *Episode {
	return &Episode{T: t, N: n, U: make([]float64, t*n), Target: make([]float64, n), Weight: make([]float64, n)}
}

// Input returns u(t), a view of U, for t in 1..T.
func (e *Episode) Input(t int) []float64 { return e.U[(t-1)*e.N : t*e.N : t*e.N] }

// MemoryMode selects where the backward pass gets the traces H(t).
type MemoryMode int

// The memory modes. MemoryAuto stores all traces when T·N² values fit the
// budget, otherwise reconstructs them backwards when the rule allows it
// (hebb or oja, no clip, η < 1), otherwise checkpoints every ⌈√T⌉ steps.
const (
	MemoryAuto       MemoryMode = iota
	MemoryStore                 // keep H(1..T)
	MemoryReverse               // reconstruct H(t) from H(t+1)
	MemoryCheckpoint            // keep H every S steps, recompute segments
)

func (m MemoryMode) String() string {
	switch m {
	case MemoryStore:
		return "store"
	case MemoryReverse:
		return "reverse"
	case MemoryCheckpoint:
		return "checkpoint"
	}
	return "auto"
}

// Workspace runs episodes of one network size forward and backward. It
// holds every buffer, so Forward and Backward do not allocate once it has
// seen an episode of the largest T. A Workspace is not safe for
// concurrent use; use one per goroutine.
type Workspace struct {
	// Mode forces a memory mode (MemoryAuto: choose, see MemoryMode).
	Mode MemoryMode

	n, t int
	net  *Net
	ep   *Episode
	mode MemoryMode // effective mode of the last Forward
	seg  int        // checkpoint segment length

	xs     []float64 // (T+1)×N outputs, x(0) = 0
	ms     []float64 // M(t), t = 1..T (index t)
	da     []float64 // T×N: δa(t)
	h      []float64 // current trace
	g      []float64 // ∂L/∂H
	traces []float64 // store: T×N² (H(t) at t−1); checkpoint: S×N² segment
	ck     []float64 // checkpoint: ⌈T/S⌉×N²
	dx     []float64 // ∂L/∂x(t)
	dxp    []float64 // ∂L/∂x(t−1), accumulating
	s1, s2 []float64 // row sums Σ_i G x', Σ_i G H
	dd, de []float64 // row factors d_j, e_j of the update
}

// NewWorkspace returns a workspace for networks of n neurons.
func NewWorkspace(n int) *Workspace {
	if n < 1 {
		panic("hebb: NewWorkspace: n < 1")
	}
	return &Workspace{
		n: n, h: make([]float64, n*n), g: make([]float64, n*n),
		dx: make([]float64, n), dxp: make([]float64, n), s1: make([]float64, n), s2: make([]float64, n),
		dd: make([]float64, n), de: make([]float64, n),
	}
}

// EffectiveMode returns the memory mode of the last Forward.
func (ws *Workspace) EffectiveMode() MemoryMode { return ws.mode }

// X returns x(t) of the last Forward, a view, for t in 0..T.
func (ws *Workspace) X(t int) []float64 { return ws.xs[t*ws.n : (t+1)*ws.n : (t+1)*ws.n] }

// Trace returns the current trace buffer: after Forward, H(T) (the trace
// used at the last step).
func (ws *Workspace) Trace() []float64 {
	if ws.mode == MemoryStore {
		return ws.traces[(ws.t-1)*ws.n*ws.n : ws.t*ws.n*ws.n]
	}
	return ws.h
}

func grow(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	return b[:n]
}

// chooseMode picks the memory mode for an episode of T steps.
func (ws *Workspace) chooseMode(net *Net, t int) MemoryMode {
	n2 := int64(ws.n) * int64(ws.n)
	invertible := (net.cfg.Rule == RuleHebb || net.cfg.Rule == RuleOja) && net.cfg.Clip == 0 && net.Eta() < 1
	switch ws.Mode {
	case MemoryStore, MemoryCheckpoint:
		return ws.Mode
	case MemoryReverse:
		if !invertible {
			panic(fmt.Sprintf("hebb: reverse memory mode needs hebb or oja without clip and η < 1 (rule %s, clip %v, η %v)", net.cfg.Rule, net.cfg.Clip, net.Eta()))
		}
		return MemoryReverse
	}
	if int64(t)*n2*8 <= net.cfg.Memory {
		return MemoryStore
	}
	if invertible {
		return MemoryReverse
	}
	return MemoryCheckpoint
}

// rowFactors sets d_j, e_j of the update H' = clip(d_j H + e_j x'_i) at a
// step whose post-synaptic output is y and modulator m.
func (ws *Workspace) rowFactors(net *Net, y []float64, m float64) {
	eta := net.Eta()
	dd, de := ws.dd[:len(y)], ws.de[:len(y)]
	switch net.cfg.Rule {
	case RuleHebb:
		for j, v := range y {
			dd[j] = 1 - eta
			de[j] = eta * v
		}
	case RuleOja:
		for j, v := range y {
			dd[j] = 1 - eta*v*v
			de[j] = eta * v
		}
	case RuleNeuro:
		for j, v := range y {
			dd[j] = 1
			de[j] = m * v
		}
	}
}

// modulator returns M(t) = tanh(w_M·y + b_M).
func modulator(net *Net, y []float64) float64 {
	s := 0.0
	for i, v := range y {
		s += net.WM[i] * v
	}
	return math.Tanh(s + net.BM())
}

// update writes dst = clip(d_j src + e_j x'_i) row by row (dst may be src).
func (ws *Workspace) update(dst, src, xp []float64, c float64) {
	n := ws.n
	for j := range n {
		ws.updateRow(dst[j*n:(j+1)*n:(j+1)*n], src[j*n:(j+1)*n:(j+1)*n], xp, ws.dd[j], ws.de[j], c)
	}
}

// activate computes x(t) = tanh(Σ_i (w_ji + α_ji H_ji) x_i(t−1) + u_j)
// (or clamped) into y from xp and the trace h. If dst is not nil (hebb and
// oja only), it also writes the updated trace H(t+1) to dst (which may be
// h), row by row, and leaves the row factors in ws.dd, ws.de.
func (ws *Workspace) activate(net *Net, y, xp, h, u, dst []float64, c float64) {
	n := ws.n
	clamp := net.cfg.Clamp
	eta := net.Eta()
	for j := range n {
		wr := net.W[j*n : (j+1)*n : (j+1)*n]
		wr = wr[:len(xp)]
		s := 0.0
		switch net.cfg.Alpha {
		case AlphaNone:
			for i, x := range xp {
				s += wr[i] * x
			}
		case AlphaSynapse:
			ar := net.Alpha[j*n : (j+1)*n : (j+1)*n]
			hr := h[j*n : (j+1)*n : (j+1)*n]
			ar, hr = ar[:len(xp)], hr[:len(xp)]
			for i, x := range xp {
				s += (wr[i] + ar[i]*hr[i]) * x
			}
		default:
			a := net.Alpha[0]
			if net.cfg.Alpha == AlphaPost {
				a = net.Alpha[j]
			}
			hr := h[j*n : (j+1)*n : (j+1)*n]
			hr = hr[:len(xp)]
			for i, x := range xp {
				s += (wr[i] + a*hr[i]) * x
			}
		}
		if clamp && u[j] != 0 {
			y[j] = u[j]
		} else {
			y[j] = math.Tanh(s + u[j])
		}
		if dst != nil {
			// Fused trace update of row j while it is in cache: the
			// factors of hebb and oja depend on y_j only.
			v := y[j]
			d, e := 1-eta, eta*v
			if net.cfg.Rule == RuleOja {
				d = 1 - eta*v*v
			}
			ws.dd[j], ws.de[j] = d, e
			ws.updateRow(dst[j*n:(j+1)*n:(j+1)*n], h[j*n:(j+1)*n:(j+1)*n], xp, d, e, c)
		}
	}
}

// updateRow writes dst = clip(d src + e x'_i) for one row (dst may be src).
func (ws *Workspace) updateRow(dr, sr, xp []float64, d, e, c float64) {
	sr = sr[:len(xp)]
	dr = dr[:len(xp)]
	if c > 0 {
		for i, x := range xp {
			v := d*sr[i] + e*x
			if v > c {
				v = c
			} else if v < -c {
				v = -c
			}
			dr[i] = v
		}
		return
	}
	for i, x := range xp {
		dr[i] = d*sr[i] + e*x
	}
}

// Forward runs the episode and returns its loss. The workspace keeps what
// Backward needs.
func (ws *Workspace) Forward(net *Net, ep *Episode) float64 {
	n, T := ws.n, ep.T
	if net.N != n || ep.N != n {
		panic(fmt.Sprintf("hebb: Forward: workspace for %d neurons, network %d, episode %d", n, net.N, ep.N))
	}
	if T < 1 {
		panic("hebb: Forward: episode of no steps")
	}
	ws.net, ws.ep, ws.t = net, ep, T
	ws.xs = grow(ws.xs, (T+1)*n)
	ws.ms = grow(ws.ms, T+1)
	ws.da = grow(ws.da, T*n)
	clear(ws.xs[:n])
	plastic := net.Plastic()
	n2 := n * n
	ws.mode = MemoryStore
	if plastic {
		ws.mode = ws.chooseMode(net, T)
		switch ws.mode {
		case MemoryStore:
			ws.traces = grow(ws.traces, T*n2)
			clear(ws.traces[:n2])
		case MemoryCheckpoint:
			ws.seg = int(math.Ceil(math.Sqrt(float64(T))))
			nck := (T + ws.seg - 1) / ws.seg
			ws.ck = grow(ws.ck, nck*n2)
			ws.traces = grow(ws.traces, ws.seg*n2)
			clear(ws.h)
		default:
			clear(ws.h)
		}
	}
	c := net.cfg.Clip
	for t := 1; t <= T; t++ {
		xp, y := ws.X(t-1), ws.X(t)
		h := ws.h
		if ws.mode == MemoryStore && plastic {
			h = ws.traces[(t-1)*n2 : t*n2]
		}
		if ws.mode == MemoryCheckpoint && (t-1)%ws.seg == 0 {
			k := (t - 1) / ws.seg
			copy(ws.ck[k*n2:(k+1)*n2], ws.h)
		}
		dst := h
		if ws.mode == MemoryStore && plastic && t < T {
			dst = ws.traces[t*n2 : (t+1)*n2]
		}
		if plastic && t < T && net.cfg.Rule != RuleNeuro {
			ws.activate(net, y, xp, h, ep.Input(t), dst, c)
			continue
		}
		ws.activate(net, y, xp, h, ep.Input(t), nil, 0)
		if !plastic {
			continue
		}
		m := 0.0
		if net.cfg.Rule == RuleNeuro {
			m = modulator(net, y)
		}
		ws.ms[t] = m
		if t == T {
			break
		}
		ws.rowFactors(net, y, m)
		ws.update(dst, h, xp, c)
	}
	return ws.loss()
}

func (ws *Workspace) loss() float64 {
	x := ws.X(ws.t)
	l := 0.0
	for j, m := range ws.ep.Weight {
		if m != 0 {
			d := x[j] - ws.ep.Target[j]
			l += m * d * d
		}
	}
	return l
}

// SignError returns the fraction of neurons with positive Weight whose
// output at the last step has a sign other than the target's.
func (ws *Workspace) SignError() float64 {
	x := ws.X(ws.t)
	bad, tot := 0, 0
	for j, m := range ws.ep.Weight {
		if m > 0 {
			tot++
			if (x[j] > 0) != (ws.ep.Target[j] > 0) {
				bad++
			}
		}
	}
	if tot == 0 {
		return 0
	}
	return float64(bad) / float64(tot)
}

// traceAt returns H(t) for the backward pass at step t (store and
// checkpoint modes); for checkpoint it recomputes the segment of t when t
// is the last step of its segment or T.
func (ws *Workspace) traceAt(t int) []float64 {
	n2 := ws.n * ws.n
	switch ws.mode {
	case MemoryStore:
		return ws.traces[(t-1)*n2 : t*n2]
	case MemoryCheckpoint:
		S := ws.seg
		k := (t - 1) / S
		s := k*S + 1
		if t == ws.t || (t-1)%S == S-1 {
			// Recompute H(s..t) from the checkpoint.
			copy(ws.traces[:n2], ws.ck[k*n2:(k+1)*n2])
			for r := s; r < t; r++ {
				ws.rowFactors(ws.net, ws.X(r), ws.ms[r])
				ws.update(ws.traces[(r-s+1)*n2:(r-s+2)*n2], ws.traces[(r-s)*n2:(r-s+1)*n2], ws.X(r-1), ws.net.cfg.Clip)
			}
		}
		return ws.traces[(t-s)*n2 : (t-s+1)*n2]
	}
	return ws.h
}

// Backward adds the gradient of the last Forward's loss with respect to
// net.Theta to grad (len(grad) = len(net.Theta)). The network must not
// have changed since Forward.
func (ws *Workspace) Backward(grad []float64) {
	net, ep := ws.net, ws.ep
	if net == nil {
		panic("hebb: Backward before Forward")
	}
	if len(grad) != len(net.Theta) {
		panic("hebb: Backward: gradient length mismatch")
	}
	n, T := ws.n, ws.t
	plastic := net.Plastic()
	rule, c := net.cfg.Rule, net.cfg.Clip
	eta := net.Eta()
	clamp := net.cfg.Clamp
	na := len(net.Alpha)
	gA := grad[n*n : n*n+na]
	var gWM []float64
	if rule == RuleNeuro {
		gWM = grad[net.offEta+1 : net.offEta+1+n]
	}
	// δx(T) from the loss.
	xT := ws.X(T)
	for j := range n {
		ws.dx[j] = 2 * ep.Weight[j] * (xT[j] - ep.Target[j])
	}
	if plastic {
		clear(ws.g)
	}
	for t := T; t >= 1; t-- {
		xp, y := ws.X(t-1), ws.X(t)
		var h []float64
		if plastic {
			h = ws.traceAt(t)
		}
		hasG := plastic && t < T
		if hasG {
			ws.rowFactors(net, y, ws.ms[t])
			ws.traceSums(h, xp, c)
			dEta := 0.0
			dM := 0.0
			for j := range n {
				s1, s2 := ws.s1[j], ws.s2[j]
				switch rule {
				case RuleHebb:
					ws.dx[j] += eta * s1
					dEta += -s2 + y[j]*s1
				case RuleOja:
					ws.dx[j] += -2*eta*y[j]*s2 + eta*s1
					dEta += -y[j]*y[j]*s2 + y[j]*s1
				case RuleNeuro:
					ws.dx[j] += ws.ms[t] * s1
					dM += y[j] * s1
				}
			}
			if rule == RuleNeuro {
				m := ws.ms[t]
				dm := dM * (1 - m*m)
				for j := range n {
					gWM[j] += dm * y[j]
					ws.dx[j] += dm * net.WM[j]
				}
				grad[net.offBM] += dm
			} else {
				grad[net.offEta] += dEta
			}
		}
		// δa(t).
		da := ws.da[(t-1)*n : t*n]
		u := ep.Input(t)
		for j := range n {
			if clamp && u[j] != 0 {
				da[j] = 0
			} else {
				da[j] = ws.dx[j] * (1 - y[j]*y[j])
			}
		}
		clear(ws.dxp)
		// Reverse mode reconstructs H(t−1) in the same pass.
		rev := plastic && ws.mode == MemoryReverse && t >= 2
		if rev {
			ws.rowFactorsPrev(net, t-1)
		}
		ws.backRow(net, h, xp, da, grad[:n*n], gA, hasG, rev, t)
		ws.dx, ws.dxp = ws.dxp, ws.dx
	}
}

// rowFactorsPrev stores in s2's partner buffers the factors of the update
// at step r (which made H(r+1) from H(r)) for the reverse reconstruction:
// it overwrites ws.s1 with d_j and ws.s2 with e_j, which are free by then.
func (ws *Workspace) rowFactorsPrev(net *Net, r int) {
	y := ws.X(r)
	eta := net.Eta()
	for j, v := range y {
		switch net.cfg.Rule {
		case RuleHebb:
			ws.s1[j] = 1 - eta
		case RuleOja:
			ws.s1[j] = 1 - eta*v*v
		}
		ws.s2[j] = eta * v
	}
}

// traceSums masks G where the update at this step was clipped and sets
// s1_j = Σ_i G_ji x'_i and s2_j = Σ_i G_ji H_ji.
func (ws *Workspace) traceSums(h, xp []float64, c float64) {
	n := ws.n
	for j := range n {
		gr := ws.g[j*n : (j+1)*n : (j+1)*n]
		hr := h[j*n : (j+1)*n : (j+1)*n]
		gr, hr = gr[:len(xp)], hr[:len(xp)]
		if c > 0 {
			d, e := ws.dd[j], ws.de[j]
			for i, x := range xp {
				z := d*hr[i] + e*x
				if z > c || z < -c {
					gr[i] = 0
				}
			}
		}
		s1, s2 := 0.0, 0.0
		for i, x := range xp {
			g := gr[i]
			s1 += g * x
			s2 += g * hr[i]
		}
		ws.s1[j], ws.s2[j] = s1, s2
	}
}

// backRow is the second pass of a backward step: for every connection
// it adds (w_ji + α_ji H_ji) δa_j + e_j G_ji to ∂L/∂x_i(t−1), δa_j x'_i to
// ∂L/∂w, δa_j H_ji x'_i to ∂L/∂α, and replaces G by ∂L/∂H(t) = d_j G_ji +
// δa_j α_ji x'_i; with rev it also overwrites H(t) by H(t−1).
func (ws *Workspace) backRow(net *Net, h, xp, da, gW, gA []float64, hasG, rev bool, t int) {
	n := ws.n
	dxp := ws.dxp[:len(xp)]
	var xpp []float64
	if rev {
		xpp = ws.X(t - 2)
		xpp = xpp[:len(xp)]
	}
	for j := range n {
		a := da[j]
		wr := net.W[j*n : (j+1)*n : (j+1)*n]
		wr = wr[:len(xp)]
		gwr := gW[j*n : (j+1)*n : (j+1)*n]
		gwr = gwr[:len(xp)]
		if !net.Plastic() {
			if a != 0 {
				for i, x := range xp {
					dxp[i] += wr[i] * a
					gwr[i] += a * x
				}
			}
			continue
		}
		hr := h[j*n : (j+1)*n : (j+1)*n]
		gr := ws.g[j*n : (j+1)*n : (j+1)*n]
		hr, gr = hr[:len(xp)], gr[:len(xp)]
		d, e := 0.0, 0.0
		if hasG {
			d, e = ws.dd[j], ws.de[j]
		}
		if net.cfg.Alpha == AlphaSynapse {
			ar := net.Alpha[j*n : (j+1)*n : (j+1)*n]
			gar := gA[j*n : (j+1)*n : (j+1)*n]
			ar, gar = ar[:len(xp)], gar[:len(xp)]
			if rev {
				// Fused: H(t) is read once, then overwritten by H(t−1).
				re, ird := ws.s2[j], 1/ws.s1[j]
				for i, x := range xp {
					hv, g := hr[i], gr[i]
					ax := a * x
					dxp[i] += (wr[i]+ar[i]*hv)*a + e*g
					gwr[i] += ax
					gar[i] += hv * ax
					gr[i] = d*g + ar[i]*ax
					hr[i] = (hv - re*xpp[i]) * ird
				}
				continue
			}
			for i, x := range xp {
				hv, g := hr[i], gr[i]
				ax := a * x
				dxp[i] += (wr[i]+ar[i]*hv)*a + e*g
				gwr[i] += ax
				gar[i] += hv * ax
				gr[i] = d*g + ar[i]*ax
			}
		} else {
			k := 0
			if net.cfg.Alpha == AlphaPost {
				k = j
			}
			al := net.Alpha[k]
			acc := 0.0
			ax := a * al
			for i, x := range xp {
				hv, g := hr[i], gr[i]
				dxp[i] += (wr[i]+al*hv)*a + e*g
				gwr[i] += a * x
				acc += hv * x
				gr[i] = d*g + ax*x
			}
			gA[k] += a * acc
		}
		if rev {
			re, ird := ws.s2[j], 1/ws.s1[j]
			for i, x := range xpp {
				hr[i] = (hr[i] - re*x) * ird
			}
		}
	}
}
