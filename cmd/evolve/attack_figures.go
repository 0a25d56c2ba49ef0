package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/internal/atomicfile"
)

// plotRobustness draws robust accuracy against ε, one line per network
// (the paper's Figure 5); the format follows the file extension.
func plotRobustness(path string, nets []attacked, eps []float64) error {
	p := plot.New()
	p.Title.Text = "Robust accuracy under a targeted L2 attack"
	p.X.Label.Text = "ε (L2 radius)"
	p.Y.Label.Text = "robust accuracy"
	p.Y.Min, p.Y.Max = 0, 1
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	for i, n := range nets {
		xy := make(plotter.XYs, len(eps))
		for e := range eps {
			xy[e] = plotter.XY{X: eps[e], Y: n.Robust[e]}
		}
		l, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		l.Color = plotutil.Color(i)
		l.Dashes = plotutil.Dashes(i)
		pts.Color = plotutil.Color(i)
		pts.Shape = plotutil.Shape(i)
		p.Add(l, pts)
		p.Legend.Add(n.Name, l, pts)
	}
	w, err := p.WriterTo(6*vg.Inch, 4*vg.Inch, strings.TrimPrefix(filepath.Ext(path), "."))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.Write(path, buf.Bytes())
}

// writeExamples writes the paper's Figure 4 as a PNG grid: for each
// network and each kept image a row with the original and the final point
// of the attack at every ε > 0, framed green when still classified
// correctly and red when broken.
func writeExamples(path string, nets []attacked, eps []float64, side int) error {
	const scale, frame, gap = 3, 2, 6
	tile := side*scale + 2*frame
	var cols []int // indices of ε > 0
	for e, v := range eps {
		if v > 0 {
			cols = append(cols, e)
		}
	}
	nEps := len(eps)
	rows := 0
	for _, n := range nets {
		rows += len(n.res.Examples) / nEps
	}
	if rows == 0 {
		return nil
	}
	W := gap + (1+len(cols))*(tile+gap)
	H := gap + rows*(tile+gap) + gap*(len(nets)-1)
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	green, red, grey := color.RGBA{0, 160, 0, 255}, color.RGBA{210, 0, 0, 255}, color.RGBA{128, 128, 128, 255}
	draw := func(x0, y0 int, v []float64, border color.RGBA) {
		for y := 0; y < tile; y++ {
			for x := 0; x < tile; x++ {
				if x < frame || y < frame || x >= tile-frame || y >= tile-frame {
					img.SetRGBA(x0+x, y0+y, border)
					continue
				}
				p := v[((y-frame)/scale)*side+(x-frame)/scale]
				g := uint8(math.Round(255 * (1 - min(1, max(0, p))))) // ink is dark
				img.SetRGBA(x0+x, y0+y, color.RGBA{g, g, g, 255})
			}
		}
	}
	y := gap
	for ni, n := range nets {
		if ni > 0 {
			y += gap
		}
		for i := 0; i < len(n.res.Examples)/nEps; i++ {
			ex := n.res.Examples[i*nEps : (i+1)*nEps]
			draw(gap, y, ex[0].Original, grey)
			for c, e := range cols {
				border := green
				if ex[e].Broken {
					border = red
				}
				draw(gap+(c+1)*(tile+gap), y, ex[e].Adversarial, border)
			}
			y += tile + gap
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.Write(path, buf.Bytes())
}
