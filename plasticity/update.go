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
	sc := &scaled{S: 1 << net.T}
	eta := net.cfg.Eta
	prep := func(r *Rule, kind Kind) ([]float64, bool, error) {
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
		t := make([]float64, len(r.Table))
		for i, v := range r.Table {
			t[i] = eta * v
			if r.Mult() {
				t[i] = 1 + eta*v
			}
		}
		return t, r.Mult(), nil
	}
	var err error
	if sc.graph, sc.gMult, err = prep(rules.Graph, GraphRule); err != nil {
		return nil, err
	}
	if sc.output, sc.oMult, err = prep(rules.Output, OutputRule); err != nil {
		return nil, err
	}
	return sc, nil
}

// applyGraph applies the graph rule for the patterns of ws to every edge.
func (net *Network) applyGraph(sc *scaled, ws *Workspace) {
	if sc.graph == nil || len(net.W) == 0 {
		return
	}
	S := sc.S
	pat := ws.Pattern
	for j := 0; j < net.n; j++ {
		lo, hi := net.ColPtr[j], net.ColPtr[j+1]
		row := sc.graph[pat[j]*S : (pat[j]+1)*S]
		post, w := net.Post[lo:hi], net.W[lo:hi]
		if sc.gMult {
			for e, i := range post {
				w[e] *= row[pat[i]]
			}
		} else {
			for e, i := range post {
				w[e] += row[pat[i]]
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
