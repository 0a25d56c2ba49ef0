package output

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
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
