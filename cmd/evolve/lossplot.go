package main

import (
	"bytes"
	"fmt"
	"image/color"
	"path/filepath"
	"strings"

	"github.com/evolve-toolkit/evolve/internal/atomicfile"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// series is one line of a figure.
type series struct {
	name   string
	points plotter.XYs
}

// saveLinePlot draws the series as lines and writes the figure to every
// path; the format follows the extension (.png, .svg, .pdf).
func saveLinePlot(title, xLabel, yLabel string, lines []series, paths ...string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Add(plotter.NewGrid())
	palette := []color.RGBA{{R: 31, G: 119, B: 180, A: 255}, {R: 214, G: 39, B: 40, A: 255}, {R: 44, G: 160, B: 44, A: 255}, {R: 148, G: 103, B: 189, A: 255}}
	for i, s := range lines {
		if len(s.points) == 0 {
			continue
		}
		l, err := plotter.NewLine(s.points)
		if err != nil {
			return fmt.Errorf("plot %q: %w", title, err)
		}
		l.Color = palette[i%len(palette)]
		l.Width = vg.Points(1.2)
		p.Add(l)
		if s.name != "" {
			p.Legend.Add(s.name, l)
		}
	}
	p.Legend.Top = true
	for _, path := range paths {
		wt, err := p.WriterTo(6*vg.Inch, 4*vg.Inch, strings.TrimPrefix(filepath.Ext(path), "."))
		if err != nil {
			return fmt.Errorf("plot %s: %w", path, err)
		}
		var buf bytes.Buffer
		if _, err := wt.WriteTo(&buf); err != nil {
			return fmt.Errorf("plot %s: %w", path, err)
		}
		if err := atomicfile.Write(path, buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}
