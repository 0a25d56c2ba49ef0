//go:build amd64 && !purego

package plasticity

import "math"

// capLUT holds the shuffle controls of capScanAVX2 and capTakeAVX2: for
// each 4-bit mask of selected lanes, the lanes to move to the front.
// pack8 selects 64-bit lanes as pairs of 32-bit ones (VPERMD), pack4
// 32-bit lanes (VPERMILPS). The lanes after the selected ones are don't
// care: the kernels overwrite them with the next block's.
type capLUT struct {
	pack8 [16][8]uint32 // offset 0
	pack4 [16][4]uint32 // offset 512
	iota8 [4]int64      // offset 768: 0, 1, 2, 3
	iota4 [4]uint32     // offset 800: 0, 1, 2, 3
	four8 [4]int64      // offset 816: 4, 4, 4, 4
	four4 [4]uint32     // offset 848: 4, 4, 4, 4
	inf   [4]float64    // offset 864: +Inf
}

var capTables = func() *capLUT {
	t := new(capLUT)
	for i := range 4 {
		t.iota8[i], t.iota4[i], t.four8[i], t.four4[i] = int64(i), uint32(i), 4, 4
		t.inf[i] = math.Inf(1)
	}
	for mask := range 16 {
		p := 0
		for lane := range 4 {
			if mask&(1<<lane) != 0 {
				t.pack8[mask][2*p] = uint32(2 * lane)
				t.pack8[mask][2*p+1] = uint32(2*lane + 1)
				t.pack4[mask][p] = uint32(lane)
				p++
			}
		}
	}
	return t
}()

// capScanAVX2 is capScan for len(u) a multiple of 4.
func capScanAVX2(buf, u []float64) (m, zeros int) {
	return capScanAsm(buf, u, capTables)
}

// capTakeAVX2 is the loop of capTake for len(u) a multiple of 4: it
// returns the number of indices written to out (and values to vals) and
// whether a value taken is +Inf.
func capTakeAVX2(out []int32, vals, h, u []float64, tau float64, lim int) (int, bool) {
	cnt, inf := capTakeAsm(out, vals, h, u, tau, lim, capTables)
	return cnt, inf != 0
}

func capScanAsm(buf, u []float64, lut *capLUT) (m, zeros int)

func capTakeAsm(out []int32, vals, h, u []float64, tau float64, lim int, lut *capLUT) (cnt, inf int)

// capLimAVX2 counts, over u (len(u) a multiple of 4), the values equal to
// tau after ReLU: if the ties-th is at index p it returns p+1, true;
// otherwise the number counted, false.
func capLimAVX2(u []float64, tau float64, ties int) (lim int, found bool) {
	lim, cnt := capLimAsm(u, tau, ties)
	if lim < 0 {
		return cnt, false
	}
	return lim, true
}

func capLimAsm(u []float64, tau float64, ties int) (lim, cnt int)
