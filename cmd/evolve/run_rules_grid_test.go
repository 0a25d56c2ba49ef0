package main

import "testing"

// TestGridRowsMatchTicks: the heat map draws table row r where heatPlot
// puts the tick labelled r (y = rows − 1 − r, row 0 at the top), so the
// picture and the printed matrix agree. (rules.png once drew every table
// upside down under correct labels.)
func TestGridRowsMatchTicks(t *testing.T) {
	const rows, cols = 4, 3
	v := make([]float64, rows*cols)
	for i := range v {
		v[i] = float64(i)
	}
	g := grid{v, rows, cols}
	p, err := heatPlot("t", g, 10, false)
	if err != nil {
		t.Fatal(err)
	}
	ticks := p.Y.Tick.Marker.Ticks(0, rows)
	for r := 0; r < rows; r++ {
		y := g.Y(r)
		label := ""
		for _, tk := range ticks {
			if tk.Value == y {
				label = tk.Label
			}
		}
		// grid row r holds table row `want`, whose label is its binary index.
		want := int(g.Z(0, r)) / cols
		if label != []string{"00", "01", "10", "11"}[want] {
			t.Errorf("grid row %d at y=%v holds table row %d but is labelled %q", r, y, want, label)
		}
	}
}
