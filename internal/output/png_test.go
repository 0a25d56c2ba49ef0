package output

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"testing"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// TestEncodePNG: a drawn figure, encoded by encodePNG and decoded by
// image/png (an independent decoder of the format), has every pixel of the
// canvas; its size is within 10 % of image/png's at BestSpeed. A
// translucent image and a non-RGBA image go through image/png and decode
// to their pixels too.
func TestEncodePNG(t *testing.T) {
	xy := make(plotter.XYs, 300)
	for i := range xy {
		xy[i] = plotter.XY{X: float64(i), Y: math.Sin(float64(i) / 20)}
	}
	p, err := LinePlot("a figure", "x", "y", []Curve{{Name: "sin", XY: xy, Points: true}, {Name: "cos", XY: xy[:100], Dashed: true}}, false, false)
	if err != nil {
		t.Fatal(err)
	}
	c := vgimg.NewWith(vgimg.UseWH(5*vg.Inch, 3*vg.Inch), vgimg.UseDPI(110), vgimg.UseBackgroundColor(color.White))
	p.Draw(draw.New(c))
	img := c.Image().(*image.RGBA)
	var ours, std bytes.Buffer
	if err := encodePNG(&ours, img); err != nil {
		t.Fatal(err)
	}
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&std, img); err != nil {
		t.Fatal(err)
	}
	samePixels(t, "figure", ours.Bytes(), img)
	if r := float64(ours.Len()) / float64(std.Len()); r > 1.1 {
		t.Errorf("encodePNG wrote %d bytes, image/png %d (ratio %.2f)", ours.Len(), std.Len(), r)
	}
	// Fallbacks: translucent RGBA and a non-RGBA image.
	tr := image.NewRGBA(image.Rect(0, 0, 7, 5))
	gr := image.NewGray(image.Rect(0, 0, 7, 5))
	for i := range tr.Pix {
		tr.Pix[i] = uint8(37 * i)
		if i%4 == 3 {
			tr.Pix[i] = 255
		}
	}
	tr.Pix[4], tr.Pix[5], tr.Pix[6], tr.Pix[7] = 0, 0, 0, 0 // one transparent pixel (exact in any encoding)
	for i := range gr.Pix {
		gr.Pix[i] = uint8(11 * i)
	}
	for name, m := range map[string]image.Image{"translucent": tr, "gray": gr} {
		var buf bytes.Buffer
		if err := encodePNG(&buf, m); err != nil {
			t.Fatal(err)
		}
		samePixels(t, name, buf.Bytes(), m)
	}
}

func samePixels(t *testing.T, name string, enc []byte, want image.Image) {
	t.Helper()
	got, err := png.Decode(bytes.NewReader(enc))
	if err != nil {
		t.Fatalf("%s: decoding: %v", name, err)
	}
	if got.Bounds() != want.Bounds() {
		t.Fatalf("%s: bounds %v, want %v", name, got.Bounds(), want.Bounds())
	}
	b := want.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, a1 := got.At(x, y).RGBA()
			r2, g2, b2, a2 := want.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				t.Fatalf("%s: pixel (%d, %d) = %v, want %v", name, x, y, got.At(x, y), want.At(x, y))
			}
		}
	}
}
