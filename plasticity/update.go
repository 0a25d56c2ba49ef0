package plasticity

// Rules holds the pair of rules that train a network. Either may be nil: a
// nil graph rule leaves W unchanged, a nil output rule leaves U unchanged.
type Rules struct {
	Graph  *Rule
	Output *Rule
}

// scaled holds the rule tables prepared for updates: η·R for additive
// rules, 1 + η·R for multiplicative ones.
type scaled struct {
	graph, output []float64
	gMult, oMult  bool
	S             int // 2^T
}

func (net *Network) prepare(rules Rules) (*scaled, error) {
	sc := new(scaled)
	if err := net.prepareTo(sc, rules); err != nil {
		return nil, err
	}
	return sc, nil
}

// prepareTo is prepare into sc, reusing its tables' storage.
func (net *Network) prepareTo(sc *scaled, rules Rules) error {
	sc.S = 1 << net.T
	eta := net.cfg.Eta
	prep := func(dst []float64, r *Rule, kind Kind) ([]float64, bool, error) {
		if r == nil {
			return nil, false, nil
		}
		if r.Kind != kind {
			panic("plasticity: rule of kind " + string(r.Kind) + " given as " + string(kind) + " rule")
		}
		if err := r.Validate(); err != nil {
			return nil, false, err
		}
		if r.Rounds != net.T {
			return nil, false, errRounds(r, net.T)
		}
		t := dst[:0]
		for _, v := range r.Table {
			if r.Mult() {
				t = append(t, 1+eta*v)
			} else {
				t = append(t, eta*v)
			}
		}
		return t, r.Mult(), nil
	}
	var err error
	if sc.graph, sc.gMult, err = prep(sc.graph, rules.Graph, GraphRule); err != nil {
		return err
	}
	if sc.output, sc.oMult, err = prep(sc.output, rules.Output, OutputRule); err != nil {
		return err
	}
	return nil
}

// applyGraph applies the graph rule for the patterns of ws to every edge.
func (net *Network) applyGraph(sc *scaled, ws *Workspace) { net.applyGraphTo(sc, ws, nil) }

// deferGraph records the graph update for the patterns of ws in dt
// instead of applying it (see denseTrain); a pending update is flushed
// first.
func (net *Network) deferGraph(sc *scaled, ws *Workspace, dt *denseTrain) {
	if sc.graph == nil || len(net.W) == 0 {
		return
	}
	dt.flush(net)
	S, n := sc.S, net.n
	if len(dt.gv) != S*n {
		dt.gv = make([]float64, S*n)
	}
	for a := 0; a < S; a++ {
		row := sc.graph[a*S : (a+1)*S]
		v := dt.gv[a*n : (a+1)*n]
		for i, s := range ws.Pattern {
			v[i] = row[s]
		}
	}
	copy(dt.pre, ws.Pattern)
	dt.mult = sc.gMult
	dt.pending = true
}

// applyGraphTo is applyGraph; dw, if not nil, is a dense copy of the
// graph weights (see newDense) updated instead of W.
//
// The update of edge j→i is ηR[s_j][s_i] (or the factor 1 + ηR[s_j][s_i]):
// it depends on the edge only through the two patterns. So the 2^T rows
// of the table are first spread over the nodes, v_a[i] = ηR[a][s_i], and
// then every out-edge of j reads v_{s_j}[i]: one load per edge instead of
// two dependent ones, and the same arithmetic as per-edge look-ups.
func (net *Network) applyGraphTo(sc *scaled, ws *Workspace, dw []float64) {
	if sc.graph == nil || len(net.W) == 0 {
		return
	}
	S, n := sc.S, net.n
	pat := ws.Pattern
	if len(ws.gv) != S*n {
		ws.gv = make([]float64, S*n)
	}
	for a := 0; a < S; a++ {
		row := sc.graph[a*S : (a+1)*S]
		v := ws.gv[a*n : (a+1)*n]
		for i, s := range pat {
			v[i] = row[s]
		}
	}
	for j := 0; j < n; j++ {
		lo, hi := net.ColPtr[j], net.ColPtr[j+1]
		post := net.Post[lo:hi]
		v := ws.gv[pat[j]*n : (pat[j]+1)*n]
		if dw != nil {
			w := dw[j*n : (j+1)*n]
			if sc.gMult {
				for _, i := range post {
					w[i] *= v[i]
				}
			} else {
				for _, i := range post {
					w[i] += v[i]
				}
			}
			continue
		}
		w := net.W[lo:hi]
		w = w[:len(post)]
		if sc.gMult {
			for e, i := range post {
				w[e] *= v[i]
			}
		} else {
			for e, i := range post {
				w[e] += v[i]
			}
		}
	}
}

// applyOutput applies the output rule for true label y and the patterns
// and prediction of ws.
func (net *Network) applyOutput(sc *scaled, ws *Workspace, y int) {
	if sc.output == nil {
		return
	}
	n := net.n
	o := sc.output
	pat := ws.Pattern
	rowY := net.U[y*n : (y+1)*n]
	if sc.oMult {
		for i, s := range pat {
			rowY[i] *= o[2*s]
		}
	} else {
		for i, s := range pat {
			rowY[i] += o[2*s]
		}
	}
	for c := 0; c < net.m; c++ {
		if net.cfg.AllEdges {
			if c == y {
				continue
			}
		} else if c != ws.Pred {
			continue
		}
		row := net.U[c*n : (c+1)*n]
		if sc.oMult {
			for i, s := range pat {
				row[i] *= o[2*s+1]
			}
		} else {
			for i, s := range pat {
				row[i] += o[2*s+1]
			}
		}
	}
}
