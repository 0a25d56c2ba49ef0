package output

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func TestCSVRoundTripAndFloats(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "t.csv")
	vals := []float64{0.1, 1.0 / 3, math.NaN(), 1e-300}
	row := make([]string, len(vals))
	for i, v := range vals {
		row[i] = F(v)
	}
	if err := WriteCSV(p, []string{"a", "b", "c", "d"}, [][]string{row}); err != nil {
		t.Fatal(err)
	}
	rows, err := ReadCSV(p)
	if err != nil || len(rows) != 2 {
		t.Fatalf("%v %v", rows, err)
	}
	for i, s := range rows[1] {
		v, _ := strconv.ParseFloat(s, 64)
		if v != vals[i] && !(math.IsNaN(v) && math.IsNaN(vals[i])) {
			t.Errorf("column %d: %q reads back as %v, wrote %v", i, s, v, vals[i])
		}
	}
}

func TestJSONFloatAndWriteJSON(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.json")
	if err := WriteJSON(p, map[string]any{"nan": JSONFloat(math.NaN()), "x": JSONFloat(2.5)}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m["nan"] != nil || m["x"] != 2.5 {
		t.Errorf("%s: %v", b, err)
	}
}

func TestSavePlots(t *testing.T) {
	base := filepath.Join(t.TempDir(), "fig")
	p, err := LinePlot("t", "x", "y", []Curve{{Name: "a", XY: plotter.XYs{{X: 1, Y: 1}, {X: 10, Y: 100}}, Err: []float64{0.1, 1}}}, true, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := SavePlots(base, []*plot.Plot{p, p}, 1, 2, 6*vg.Inch, 3*vg.Inch); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".png", ".svg"} {
		if st, err := os.Stat(base + ext); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", ext, err)
		}
	}
}

// TestLegendAbove: the y axis ends above the highest point plus its error
// bar by room for one legend row per named curve (so the legend, drawn at
// the top, covers no data), starts below the lowest; on a log axis the
// limits stay positive and the room is in decades.
func TestLegendAbove(t *testing.T) {
	cs := []Curve{
		{Name: "a", XY: plotter.XYs{{X: 0, Y: 1}, {X: 1, Y: 2}}, Err: []float64{0.1, 0.5}},
		{Name: "b", XY: plotter.XYs{{X: 0, Y: 1.5}, {X: 1, Y: 0.5}}},
	}
	p := plot.New()
	LegendAbove(p, cs)
	// Points and bars span [0.5, 2.5]: span 2; two rows → 2.5 + 2·(0.1 + 0.28).
	if !p.Legend.Top || math.Abs(p.Y.Max-(2.5+2*0.38)) > 1e-12 || math.Abs(p.Y.Min-(0.5-0.1)) > 1e-12 {
		t.Errorf("linear: y axis [%v, %v], top %v; want [0.4, 3.26], true", p.Y.Min, p.Y.Max, p.Legend.Top)
	}
	q := plot.New()
	q.Y.Scale = plot.LogScale{}
	LegendAbove(q, []Curve{{Name: "c", XY: plotter.XYs{{X: 0, Y: 0.01}, {X: 1, Y: 10}}}})
	// Decades −2 … 1: span 3; one row → 10^(1 + 3·0.24), 10^(−2 − 0.15).
	if math.Abs(q.Y.Max-math.Pow(10, 1.72)) > 1e-9 || math.Abs(q.Y.Min-math.Pow(10, -2.15)) > 1e-12 {
		t.Errorf("log: y axis [%v, %v], want [%v, %v]", q.Y.Min, q.Y.Max, math.Pow(10, -2.15), math.Pow(10, 1.72))
	}
}

// BenchmarkSavePlots writes a figure of two panels with 500 points per
// curve (an evolve run's loss figure) as PNG and SVG.
func BenchmarkSavePlots(b *testing.B) {
	xy := make(plotter.XYs, 500)
	for i := range xy {
		xy[i] = plotter.XY{X: float64(i), Y: math.Sin(float64(i) / 30)}
	}
	p, err := LinePlot("t", "x", "y", []Curve{{Name: "a", XY: xy}}, false, false)
	if err != nil {
		b.Fatal(err)
	}
	base := filepath.Join(b.TempDir(), "fig")
	b.ReportAllocs()
	for b.Loop() {
		if err := SavePlots(base, []*plot.Plot{p, p}, 1, 2, 8*vg.Inch, 3*vg.Inch); err != nil {
			b.Fatal(err)
		}
	}
	if st, err := os.Stat(base + ".png"); err == nil {
		b.ReportMetric(float64(st.Size()), "png-bytes")
	}
}

// TestLogTicksLabels: a log axis within 0.001–9,999 reads as plain
// numbers (strconv's 'g' format, gonum's default, prints 100 as "1e+02");
// an axis that reaches past it has every label in exponent form (before,
// 10 stayed "10" beside "1e+02"); an axis spanning less than two decades
// is labelled at 1, 2 and 5 times a decade (before, 0.0017–0.05 had the
// single label 0.01).
func TestLogTicksLabels(t *testing.T) {
	labels := func(min, max float64) []string {
		var out []string
		for _, tk := range (LogTicks{}).Ticks(min, max) {
			if tk.Label != "" && tk.Value >= min && tk.Value <= max { // the drawn ones
				out = append(out, tk.Label)
			}
		}
		return out
	}
	for _, c := range []struct {
		min, max float64
		want     string
	}{
		{5, 3000, "10 100 1000"},
		{0.005, 2, "0.01 0.1 1"},
		{20, 200000, "1e+02 1e+03 1e+04 1e+05"},
		{1e-5, 0.5, "1e-05 1e-04 1e-03 1e-02 1e-01"},
		{5, 30000, "1e+01 1e+02 1e+03 1e+04"},
		{0.0017, 0.05, "0.002 0.005 0.01 0.02 0.05"},
		{3, 40, "5 10 20"},
		{0.0002, 0.003, "2e-04 5e-04 1e-03 2e-03"},
	} {
		if got := strings.Join(labels(c.min, c.max), " "); got != c.want {
			t.Errorf("labels of [%g, %g] = %q, want %q", c.min, c.max, got, c.want)
		}
	}
}

// TestLinePlotMarksCoinciding: a named curve that is the same line as an
// earlier one (to 1e-12) is renamed "b (identical to a)" and dotted (gd
// and lande coincide by construction in the default evolve run and hid
// each other without a word); an unnamed one is dotted but not named; a
// curve that differs by 1e-7 and the caller's slice are left alone, and a
// curve's own dashes are kept.
func TestLinePlotMarksCoinciding(t *testing.T) {
	xy := plotter.XYs{{X: 0, Y: 1}, {X: 1, Y: 2}}
	tiny := plotter.XYs{{X: 0, Y: 1}, {X: 1, Y: 2 + 1e-15}}
	near := plotter.XYs{{X: 0, Y: 1}, {X: 1, Y: 2.0000001}}
	cs := []Curve{{Name: "a", XY: xy}, {Name: "b", XY: tiny}, {Name: "c", XY: near}, {XY: xy}, {Name: "d", XY: xy, Dashes: []vg.Length{vg.Points(9)}}}
	got := markCoinciding(cs)
	want := []string{"a", "b (identical to a)", "c", "", "d (identical to a)"}
	for i, c := range got {
		if c.Name != want[i] {
			t.Errorf("curve %d: name %q, want %q", i, c.Name, want[i])
		}
	}
	if got[1].Dashes == nil || got[2].Dashes != nil || got[0].Dashes != nil {
		t.Errorf("dashes: a %v, b %v, c %v; want only b dotted", got[0].Dashes, got[1].Dashes, got[2].Dashes)
	}
	if got[3].Dashes == nil {
		t.Error("the unnamed curve equal to a is not dotted")
	}
	if len(got[4].Dashes) != 1 {
		t.Errorf("d's own dashes replaced: %v", got[4].Dashes)
	}
	if cs[1].Name != "b" || cs[1].Dashes != nil {
		t.Errorf("the caller's curves changed: %+v", cs[1])
	}
	if _, err := LinePlot("t", "x", "y", cs, false, false); err != nil {
		t.Fatal(err)
	}
}

// TestLinePlotSinglePoint: a curve of one point is drawn (as a marker):
// a line through one point draws nothing, and theorem3 --quick showed
// empty axes. The unnamed curve has no legend thumbnail, so any reddish
// pixel (the grid and the axes are grey and black) is the marker.
func TestLinePlotSinglePoint(t *testing.T) {
	p, err := LinePlot("t", "x", "y", []Curve{{XY: plotter.XYs{{X: 1, Y: 2}}}}, false, false)
	if err != nil {
		t.Fatal(err)
	}
	c := vgimg.New(3*vg.Inch, 2*vg.Inch)
	p.Draw(draw.New(c))
	// Color(0) is a vermillion; the grid and the axes are grey and black.
	img := c.Image()
	n := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, _, b, _ := img.At(x, y).RGBA()
			if int(r>>8)-int(b>>8) > 60 {
				n++
			}
		}
	}
	if n == 0 {
		t.Error("the one-point curve left no pixel of its colour")
	}
}

// TestThinErrors: up to the maximum every error bar is kept; beyond it,
// exactly the maximum, evenly spaced from the first point to the last,
// each with its own point's value.
func TestThinErrors(t *testing.T) {
	xy := make(plotter.XYs, 101)
	e := make([]float64, 101)
	for i := range xy {
		xy[i] = plotter.XY{X: float64(i), Y: float64(i * i)}
		e[i] = float64(i) / 10
	}
	if got := thinErrors(xy[:25], e[:25], 25); len(got.xy) != 25 || len(got.err) != 25 {
		t.Errorf("25 points: %d bars kept, want 25", len(got.xy))
	}
	got := thinErrors(xy, e, 25)
	if len(got.xy) != 25 || got.xy[0].X != 0 || got.xy[24].X != 100 {
		t.Fatalf("101 points: %d bars from x = %v to %v, want 25 from 0 to 100", len(got.xy), got.xy[0].X, got.xy[len(got.xy)-1].X)
	}
	for k, p := range got.xy {
		if p.X != float64(k*100/24) || p.Y != p.X*p.X || got.err[k] != p.X/10 {
			t.Errorf("bar %d: point %v, error %v; want x = %d with its own y and error", k, p, got.err[k], k*100/24)
		}
	}
}
