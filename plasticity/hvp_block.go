package plasticity

// hvpBlock is the number of examples ClassLoss.HessVec processes together
// on the paper recurrence: the edge loops run column by column (pre-
// synaptic node j) over every example of the block in which j fired, so a
// column of W, RW and the result is loaded once per block instead of once
// per example (the per-example loops are bound by memory traffic at
// |V| = 1000, where W has 500,000 entries).
const hvpBlock = 16

// blockWS is the per-block state of hessVecBlocked.
type blockWS struct {
	ws                 []*Workspace
	rhs                [][][]float64 // [b][t][i]
	ru, rd, rh, dh, du [][]float64   // [b][i]
	dz, rdz, rz        [][]float64   // [b][c]
	lists              [][]int32     // [j] → examples of the block with j fired
}

func (c *ClassLoss) blockWS() *blockWS {
	if c.bw != nil {
		return c.bw
	}
	net := c.Net
	n, m, T := net.n, net.m, net.T
	bw := &blockWS{lists: make([][]int32, n)}
	vec := func(k int) []float64 { return make([]float64, k) }
	for b := 0; b < hvpBlock; b++ {
		bw.ws = append(bw.ws, net.NewWorkspace())
		r := make([][]float64, T+1)
		for t := range r {
			r[t] = vec(n)
		}
		bw.rhs = append(bw.rhs, r)
		bw.ru, bw.rd, bw.rh, bw.dh, bw.du = append(bw.ru, vec(n)), append(bw.rd, vec(n)), append(bw.rh, vec(n)), append(bw.dh, vec(n)), append(bw.du, vec(n))
		bw.dz, bw.rdz, bw.rz = append(bw.dz, vec(m)), append(bw.rdz, vec(m)), append(bw.rz, vec(m))
	}
	c.bw = bw
	return bw
}

// hessVecBlocked adds to hu, hw the Hessian–vector product of the examples
// [lo, hi) (at most hvpBlock) on the paper recurrence; the equations are
// those of HessVec.
func (c *ClassLoss) hessVecBlocked(hu, hw, ru, rw []float64, lo, hi int, scale float64) {
	net := c.Net
	n, m, T := net.n, net.m, net.T
	bw := c.blockWS()
	B := hi - lo
	for b := 0; b < B; b++ {
		net.ForwardWS(bw.ws[b], c.X[lo+b])
		clear(bw.rhs[b][1])
	}
	// fill lists[j] with the examples in which j fired in round t
	fill := func(t int) {
		for j := range bw.lists {
			bw.lists[j] = bw.lists[j][:0]
		}
		for b := 0; b < B; b++ {
			for _, j := range bw.ws[b].Fired[t] {
				bw.lists[j] = append(bw.lists[j], int32(b))
			}
		}
	}
	// forward R-pass
	for t := 2; t <= T; t++ {
		for b := 0; b < B; b++ {
			clear(bw.ru[b])
		}
		fill(t - 1)
		for j := 0; j < n; j++ {
			if len(bw.lists[j]) == 0 {
				continue
			}
			k0, k1 := net.ColPtr[j], net.ColPtr[j+1]
			post, w, rwj := net.Post[k0:k1], net.W[k0:k1], rw[k0:k1]
			for _, b := range bw.lists[j] {
				cj, rcj := bw.ws[b].H[t-1][j], bw.rhs[b][t-1][j]
				rub := bw.ru[b]
				for e, i := range post {
					rub[i] += rwj[e]*cj + w[e]*rcj
				}
			}
		}
		for b := 0; b < B; b++ {
			ws, rh := bw.ws[b], bw.rhs[b][t]
			clear(rh)
			for _, i := range ws.Fired[t] {
				if ws.H[t][i] > 0 {
					rh[i] = bw.ru[b][i]
				}
			}
		}
	}
	// output layer and the start of the backward pass, per example
	for b := 0; b < B; b++ {
		ws := bw.ws[b]
		hT, rhT := ws.H[T], bw.rhs[b][T]
		rz, dz, rdz := bw.rz[b], bw.dz[b], bw.rdz[b]
		for k := 0; k < m; k++ {
			var s float64
			for _, i := range ws.Fired[T] {
				s += ru[k*n+int(i)]*hT[i] + net.U[k*n+int(i)]*rhT[i]
			}
			rz[k] = s
		}
		LossGrad(dz, ws.Z, c.Y[lo+b], c.Loss, scale)
		lossHess(rdz, ws.Z, rz, c.Loss, scale)
		for k := 0; k < m; k++ {
			row := hu[k*n : (k+1)*n]
			for _, i := range ws.Fired[T] {
				row[i] += rdz[k]*hT[i] + dz[k]*rhT[i]
			}
		}
		dh, rh := bw.dh[b], bw.rh[b]
		clear(dh)
		clear(rh)
		for _, i := range ws.Fired[T] {
			var s, rs float64
			for k := 0; k < m; k++ {
				s += dz[k] * net.U[k*n+int(i)]
				rs += dz[k]*ru[k*n+int(i)] + rdz[k]*net.U[k*n+int(i)]
			}
			dh[i], rh[i] = s, rs
		}
	}
	// backward R-pass through the rounds
	for t := T; t >= 2; t-- {
		for b := 0; b < B; b++ {
			ws := bw.ws[b]
			du, rd, dh, rh := bw.du[b], bw.rd[b], bw.dh[b], bw.rh[b]
			clear(du)
			clear(rd)
			for _, i := range ws.Fired[t] {
				if ws.H[t][i] > 0 {
					du[i], rd[i] = dh[i], rh[i]
				}
			}
			clear(dh)
			clear(rh)
		}
		fill(t - 1)
		for j := 0; j < n; j++ {
			if len(bw.lists[j]) == 0 {
				continue
			}
			k0, k1 := net.ColPtr[j], net.ColPtr[j+1]
			post, w, rwj, hwj := net.Post[k0:k1], net.W[k0:k1], rw[k0:k1], hw[k0:k1]
			for _, b := range bw.lists[j] {
				cj, rcj := bw.ws[b].H[t-1][j], bw.rhs[b][t-1][j]
				du, rd := bw.du[b], bw.rd[b]
				var s, rs float64
				for e, i := range post {
					hwj[e] += rd[i]*cj + du[i]*rcj
					s += w[e] * du[i]
					rs += rwj[e]*du[i] + w[e]*rd[i]
				}
				bw.dh[b][j], bw.rh[b][j] = s, rs
			}
		}
	}
}
