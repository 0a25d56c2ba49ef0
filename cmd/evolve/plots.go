package main

import (
	"bytes"
	"fmt"
	"image/color"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/evolve-toolkit/evolve/internal/atomicfile"
)

// curve is one named line of a tiled figure.
type curve struct {
	name   string
	xy     plotter.XYs
	dashed bool
}

// linePlot builds a plot with one line per series.
func linePlot(title, xlabel, ylabel string, ss []curve, logY bool) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	for i, s := range ss {
		l, err := plotter.NewLine(s.xy)
		if err != nil {
			return nil, fmt.Errorf("figure %q, line %q: %w", title, s.name, err)
		}
		l.Color = plotutil.Color(i)
		l.Width = vg.Points(1.5)
		if s.dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	p.Add(plotter.NewGrid())
	return p, nil
}

// savePlots writes the plots, tiled in rows×cols, to base.png and
// base.svg, each atomically.
func savePlots(base string, plots []*plot.Plot, rows, cols int, w, h vg.Length) error {
	for _, ext := range []string{".png", ".svg"} {
		var c vg.CanvasWriterTo
		switch ext {
		case ".png":
			c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110), vgimg.UseBackgroundColor(color.White))}
		default:
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
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return fmt.Errorf("%s%s: %w", base, ext, err)
		}
		if err := atomicfile.Write(base+ext, buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// figureName returns a file-system-friendly name.
func figureName(dir, name string) string {
	return filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
}

// logTicks labels log axes with short numbers (1e-05, 0.001, 10) and adds
// unlabelled minor ticks; when the axis spans less than a decade the
// minor ticks are labelled too.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.LogTicks{Prec: -1}.Ticks(min, max)
	labelled := 0
	for _, t := range ts {
		if t.Label != "" {
			labelled++
		}
	}
	for i := range ts {
		if ts[i].Label != "" || labelled < 2 {
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'g', 2, 64)
		}
	}
	return ts
}
