// Package output writes results the way every command and experiment of
// the toolkit does: CSV and JSON files written atomically, and figures as
// PNG and SVG through gonum/plot. Only cmd/evolve and experiments use it;
// library packages never touch files.
package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"os"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/evolve-toolkit/evolve/internal/atomicfile"
)

// F formats a float for CSV: the shortest text that reads back exactly.
func F(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// JSONFloat returns nil for NaN and ±Inf (which JSON cannot hold) and v otherwise.
func JSONFloat(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

// WriteJSON writes v as indented JSON atomically.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.Write(path, append(b, '\n'))
}

// WriteCSV writes a header and rows atomically.
func WriteCSV(path string, header []string, rows [][]string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(header); err != nil {
		return err
	}
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes())
}

// ReadCSV reads a whole CSV file.
func ReadCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rows, nil
}

// Curve is one named line of a figure.
type Curve struct {
	Name   string
	XY     plotter.XYs
	Dashed bool
	// Dashes, if not nil, is the dash pattern (it overrides Dashed).
	Dashes []vg.Length
	// Err, if set, holds a symmetric error bar for every point; LinePlot
	// draws at most maxErrorBars of them, evenly spaced.
	Err []float64
	// Points marks every point (a shape per curve), for curves of a few
	// measurements joined by straight lines.
	Points bool
}

// LinePlot builds a plot with one line per curve (empty curves are
// skipped, unnamed ones get no legend entry), in the colours of Color;
// logY and logX select logarithmic axes. A named curve that is the same
// line as an earlier one is drawn dotted over it and its legend entry says
// so ("lande (identical to gd)"; see markCoinciding). A curve of one
// point is drawn as a marker.
func LinePlot(title, xlabel, ylabel string, cs []Curve, logX, logY bool) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = LogTicks{}
	}
	if logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = LogTicks{}
	}
	cs = markCoinciding(cs)
	for i, c := range cs {
		if len(c.XY) == 0 {
			continue
		}
		l, err := plotter.NewLine(c.XY)
		if err != nil {
			return nil, fmt.Errorf("figure %q, line %q: %w", title, c.Name, err)
		}
		l.Color = Color(i)
		l.Width = vg.Points(1.5)
		if c.Dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		if c.Dashes != nil {
			l.Dashes = c.Dashes
		}
		p.Add(l)
		thumbs := []plot.Thumbnailer{l}
		if c.Points || len(c.XY) == 1 { // a line of one point draws nothing
			sc, err := plotter.NewScatter(c.XY)
			if err != nil {
				return nil, fmt.Errorf("figure %q, line %q: %w", title, c.Name, err)
			}
			sc.Color, sc.Shape, sc.Radius = l.Color, plotutil.Shape(i), vg.Points(3)
			p.Add(sc)
			thumbs = append(thumbs, sc)
		}
		if c.Name != "" {
			p.Legend.Add(c.Name, thumbs...)
		}
		if c.Err != nil {
			eb := thinErrors(c.XY, c.Err, maxErrorBars)
			bars, err := plotter.NewYErrorBars(eb)
			if err == nil {
				bars.Color = l.Color
				p.Add(bars)
			}
		}
	}
	p.Add(plotter.NewGrid())
	return p, nil
}

// markCoinciding returns cs with every curve that is the same line as an
// earlier one (the same x values, y within 1e-12 relative) dotted unless
// it has dashes of its own, and, when both are named, renamed "lande
// (identical to gd)": a reader who sees one line where the legend
// promises two knows why, and both stay visible (in the unnamed panels of
// a figure with one legend too); cs itself is not changed.
func markCoinciding(cs []Curve) []Curve {
	out := slices.Clone(cs)
	for j := range out {
		for i := range j {
			if !sameLine(cs[i].XY, cs[j].XY) {
				continue
			}
			if cs[i].Name != "" && cs[j].Name != "" {
				out[j].Name = fmt.Sprintf("%s (identical to %s)", cs[j].Name, cs[i].Name)
			}
			if out[j].Dashes == nil {
				out[j].Dashes = []vg.Length{vg.Points(1), vg.Points(3)}
			}
			break
		}
	}
	return out
}

// sameLine reports whether a and b have the same x values and y values
// within 1e-12 relative.
func sameLine(a, b plotter.XYs) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for k := range a {
		if a[k].X != b[k].X || math.Abs(a[k].Y-b[k].Y) > 1e-12*math.Max(1, math.Abs(a[k].Y)) {
			return false
		}
	}
	return true
}

// maxErrorBars is the most error bars LinePlot draws on one curve: more
// hide the lines under a comb (evolution-vs-meta's loss panel had 100
// per curve).
const maxErrorBars = 25

// thinErrors returns the error bars of xy to draw: all of them up to max
// points, otherwise max of them at evenly spaced points, the first and
// the last included.
func thinErrors(xy plotter.XYs, e []float64, max int) errPoints {
	n := min(len(xy), len(e))
	if n <= max {
		return errPoints{xy[:n], e[:n]}
	}
	var out errPoints
	for k := range max {
		i := k * (n - 1) / (max - 1)
		out.xy = append(out.xy, xy[i])
		out.err = append(out.err, e[i])
	}
	return out
}

type errPoints struct {
	xy  plotter.XYs
	err []float64
}

func (e errPoints) Len() int                        { return len(e.xy) }
func (e errPoints) XY(i int) (float64, float64)     { return e.xy[i].X, e.xy[i].Y }
func (e errPoints) YError(i int) (float64, float64) { return e.err[i], e.err[i] }

// SavePlots writes the plots, tiled in rows×cols, to base.png and
// base.svg, each atomically.
func SavePlots(base string, plots []*plot.Plot, rows, cols int, w, h vg.Length) error {
	for _, ext := range []string{".png", ".svg"} {
		var c vg.CanvasWriterTo
		var img *vgimg.Canvas
		if ext == ".png" {
			img = vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110), vgimg.UseBackgroundColor(color.White))
			c = vgimg.PngCanvas{Canvas: img}
		} else {
			c = vgsvg.New(w, h)
		}
		dc := draw.New(c)
		if len(plots) == 1 {
			plots[0].Draw(dc)
		} else {
			t := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
			grid := make([][]*plot.Plot, rows)
			for r := range grid {
				grid[r] = make([]*plot.Plot, cols)
				for k := range grid[r] {
					if i := r*cols + k; i < len(plots) {
						grid[r][k] = plots[i]
					}
				}
			}
			canvases := plot.Align(grid, t, dc)
			for r := range grid {
				for k := range grid[r] {
					if grid[r][k] != nil {
						grid[r][k].Draw(canvases[r][k])
					}
				}
			}
		}
		// PNG through encodePNG: zlib's fastest level and one filter for
		// every row (figures of a few flat colours compress almost as
		// well as with image/png's default level and adaptive filters).
		var buf bytes.Buffer
		var err error
		if img != nil {
			err = encodePNG(&buf, img.Image())
		} else {
			_, err = c.WriteTo(&buf)
		}
		if err != nil {
			return fmt.Errorf("%s%s: %w", base, ext, err)
		}
		if err := atomicfile.Write(base+ext, buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// LogTicks labels log axes with short numbers (1e-05, 0.001, 10).
type LogTicks struct{}

// Ticks returns the ticks of a log axis from min to max: one at every
// m·10^e (m = 1…9) in [min, max], labelled at each decade and, when
// fewer than two decades fall in [min, max], at 2 and 5 times a decade
// too. The labels are plain
// decimals ("100", "0.02") when every labelled value drawn lies from
// 0.001 to 9,999 and exponent forms ("1e+04", "2e-03") otherwise, one
// form per axis so the labels read alike.
func (LogTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || !(max >= min) || math.IsInf(max, 0) {
		return plot.LogTicks{Prec: -1}.Ticks(min, max)
	}
	// A tick at m·10^e for m = 1…9 in [min, max]; m = 1 labelled. (gonum's
	// LogTicks starts at the decade above min and repeats each decade.)
	inside := func(v float64) bool { return v >= min*(1-1e-9) && v <= max*(1+1e-9) }
	var ts []plot.Tick
	labelled := 0
	for e := int(math.Floor(math.Log10(min))); e <= int(math.Ceil(math.Log10(max))); e++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow10(e)
			if !inside(v) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 {
				t.Label = "·"
				labelled++
			}
			ts = append(ts, t)
		}
	}
	if labelled < 2 {
		for i, t := range ts {
			m := t.Value / math.Pow10(int(math.Floor(math.Log10(t.Value)+1e-9)))
			if math.Abs(m-2) < 1e-6 || math.Abs(m-5) < 1e-6 {
				ts[i].Label = "·"
			}
		}
	}
	plain := true
	for _, t := range ts {
		if t.Label != "" && (t.Value < 1e-3*(1-1e-9) || t.Value >= 1e4*(1-1e-9)) {
			plain = false
		}
	}
	for i, t := range ts {
		if t.Label == "" {
			continue
		}
		// Two significant digits drop the rounding noise of gonum's values.
		r, _ := strconv.ParseFloat(strconv.FormatFloat(t.Value, 'g', 2, 64), 64)
		if plain {
			ts[i].Label = strconv.FormatFloat(r, 'f', -1, 64)
		} else {
			ts[i].Label = strconv.FormatFloat(r, 'e', -1, 64)
		}
	}
	return ts
}

// LegendAbove keeps the legend (top right) off the data: the y axis is
// extended above the highest point of cs (error bars included) by the
// space the legend's lines take, and below the lowest by a margin. On a
// log y axis (p.Y.Scale a plot.LogScale) the space is measured in
// decades. It does nothing for curves without points.
func LegendAbove(p *plot.Plot, cs []Curve) {
	_, logY := p.Y.Scale.(plot.LogScale)
	f, inv := func(v float64) float64 { return v }, func(v float64) float64 { return v }
	if logY {
		f, inv = math.Log10, func(v float64) float64 { return math.Pow(10, v) }
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	lines := 0
	for _, c := range cs {
		if len(c.XY) > 0 && c.Name != "" {
			lines++
		}
		for i, xy := range c.XY {
			e := 0.0
			if i < len(c.Err) {
				e = c.Err[i]
			}
			l, h := xy.Y-e, xy.Y+e
			if logY && !(l > 0) {
				l = xy.Y
			}
			if v := f(l); !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo = math.Min(lo, v)
			}
			if v := f(h); !math.IsNaN(v) && !math.IsInf(v, 0) {
				hi = math.Max(hi, v)
			}
		}
	}
	if lines == 0 || !(hi > lo) {
		return
	}
	span := hi - lo
	p.Y.Min = inv(lo - 0.05*span)
	p.Y.Max = inv(hi + span*(0.1+0.14*float64(lines)))
	p.Legend.Top = true
}

// okabeIto is Okabe and Ito's colour-blind-safe palette, ordered so that
// neighbours differ in hue and lightness (yellow, faint on white, last).
var okabeIto = []color.Color{
	color.RGBA{213, 94, 0, 255},    // vermillion
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{0, 158, 115, 255},   // bluish green
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{204, 121, 167, 255}, // reddish purple
	color.RGBA{0, 0, 0, 255},       // black
	color.RGBA{86, 180, 233, 255},  // sky blue
	color.RGBA{240, 228, 66, 255},  // yellow
}

// Color returns the i-th series colour of a figure with up to eight
// series that must stay apart (gonum's plotutil.Color repeats a red as its
// sixth colour); it cycles beyond eight.
func Color(i int) color.Color { return okabeIto[i%len(okabeIto)] }
