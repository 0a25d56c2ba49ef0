package plasticity

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGD trains both baselines on halfspace and checks that the batch
// loss falls and the test accuracy is far above chance (the two labels
// are balanced: the teacher's threshold is 0 on symmetric data).
func TestGD(t *testing.T) {
	t.Parallel()
	sp := loadSet(t, "halfspace", 3000)
	for _, tc := range []struct {
		method GDMethod
		T      int
	}{{GDOutput, 1}, {GDFull, 1}, {GDFull, 3}} {
		t.Run(fmt.Sprintf("%s/T=%d", tc.method, tc.T), func(t *testing.T) {
			t.Parallel()
			net, err := New(Config{Inputs: 10, Labels: 2, Nodes: 100, Rounds: tc.T, Seed: 3}, rand.NewPCG(3, 1))
			if err != nil {
				t.Fatal(err)
			}
			res, err := GD(net, sp.Train, &GDSettings{GDConfig: GDConfig{Method: tc.method, Epochs: 2, Seed: 1}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Steps != 60 || res.Seen != 6000 {
				t.Errorf("%d steps, %d seen; want 2 epochs of 30 batches of 100", res.Steps, res.Seen)
			}
			acc := Evaluate(net, sp.Test).Accuracy
			first, last := res.Loss[0], res.Loss[len(res.Loss)-1]
			t.Logf("loss %.3f → %.3f, test accuracy %.3f", first, last, acc)
			if !(last < first) || acc < 0.85 {
				t.Errorf("loss %v → %v, test accuracy %v; want a falling loss and accuracy ≥ 0.85", first, last, acc)
			}
		})
	}
}

func TestGDConfigValidate(t *testing.T) {
	t.Parallel()
	if err := (GDConfig{}).Validate(); err != nil {
		t.Error(err)
	}
	for _, c := range []GDConfig{{Method: "sgd"}, {Batch: -1}, {Epochs: -1}, {LR: math.Inf(1)}, {Loss: "l1"}} {
		if c.Validate() == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}
