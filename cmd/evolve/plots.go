package main

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/internal/output"
)

// curve is one named line of a figure.
type curve = output.Curve

// linePlot builds a plot with one line per curve.
func linePlot(title, xlabel, ylabel string, cs []curve, logY bool) (*plot.Plot, error) {
	return output.LinePlot(title, xlabel, ylabel, cs, false, logY)
}

// savePlots writes tiled plots to base.png and base.svg.
func savePlots(base string, plots []*plot.Plot, rows, cols int, w, h vg.Length) error {
	return output.SavePlots(base, plots, rows, cols, w, h)
}

type logTicks = output.LogTicks

// saveLine draws one unnamed line and writes base.png and base.svg.
func saveLine(base, title, xlabel, ylabel string, xy plotter.XYs) error {
	p, err := linePlot(title, xlabel, ylabel, []curve{{XY: xy}}, false)
	if err != nil {
		return err
	}
	return savePlots(base, []*plot.Plot{p}, 1, 1, 6*vg.Inch, 4*vg.Inch)
}

// legendAbove keeps a plot's legend off its curves (output.LegendAbove).
func legendAbove(p *plot.Plot, cs []curve) { output.LegendAbove(p, cs) }
