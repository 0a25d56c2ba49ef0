package experiments

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/fitness"
	"github.com/evolve-toolkit/evolve/plasticity"
	"github.com/evolve-toolkit/evolve/sim"
)

// TestEvoMetaCell: generations to 95 % of adam's final accuracy is the
// first tested generation at or above the threshold, with its cost; a run
// that never reaches it gets NaN. Numbers made up for the test: adam ends
// at 0.8, so the threshold is 0.76.
func TestEvoMetaCell(t *testing.T) {
	nan := math.NaN()
	obs := func(g int, run string, acc, cost float64) sim.Observation {
		return sim.Observation{Generation: g, Run: run, TestAccuracy: acc, Cost: cost}
	}
	res := &sim.Result{Runs: []string{"wright-fisher", "exact", "adam"}, Kinds: []string{"evolution", "evolution", "gradient"},
		Observations: []sim.Observation{
			obs(0, "wright-fisher", 0.5, 0), obs(0, "exact", 0.5, 0), obs(0, "adam", 0.5, 0),
			obs(1, "wright-fisher", nan, 10), obs(1, "exact", 0.6, 20), obs(1, "adam", 0.7, 1),
			obs(2, "wright-fisher", 0.77, 20), obs(2, "exact", 0.7, 40), obs(2, "adam", 0.8, 2),
		}}
	v, err := evoMetaCell(res, nil, nil, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.77, nan, 2, 20, 20, 0.7, nan, nan, nan, 40, 0.8, nan, 2, 2, 2}
	if len(v) != len(want) {
		t.Fatalf("%d values, want %d", len(v), len(want))
	}
	for i := range want {
		if !(v[i] == want[i] || math.IsNaN(v[i]) && math.IsNaN(want[i])) {
			t.Errorf("value %d = %v, want %v (all: %v)", i, v[i], want[i], v)
		}
	}
}

// TestEvoMetaSummary: the summary rows come from the trajectory CSVs of
// every seed. Two seeds, a Wright–Fisher run with two replicates and adam,
// two coefficients; every expected number is worked out by hand below.
func TestEvoMetaSummary(t *testing.T) {
	env := &Env{Out: t.TempDir()}
	header := "generation,run,kind,loss,mean_loss,test_accuracy,evaluations,cost,y0,y1\n"
	// seed 1: wright-fisher/1 accuracies 0.5, 0.9 (best at 1), 0.7;
	// wright-fisher/2 0.6, NaN, 0.8 (best 0.8 at 2); adam 0.5, 0.6, 0.55.
	seed1 := header +
		"0,wright-fisher/1,evolution,0.7,0.7,0.5,0,0,0,0\n0,wright-fisher/2,evolution,0.7,0.7,0.6,0,0,0,0\n0,adam,gradient,0.7,NaN,0.5,0,0,0,0\n" +
		"1,wright-fisher/1,evolution,0.6,0.6,0.9,1,10,0,0\n1,wright-fisher/2,evolution,0.5,0.5,NaN,1,10,0,0\n1,adam,gradient,0.4,NaN,0.6,1,1,0,0\n" +
		"2,wright-fisher/1,evolution,0.4,0.4,0.7,2,20,3,4\n2,wright-fisher/2,evolution,0.3,0.3,0.8,2,20,0,1\n2,adam,gradient,0.2,NaN,0.55,2,2,0,0\n"
	// seed 2: one generation only; adam ends at (1, 1).
	seed2 := header +
		"0,wright-fisher/1,evolution,0.9,0.9,0.4,0,0,1,2\n0,wright-fisher/2,evolution,0.8,0.8,0.3,0,0,1,1\n0,adam,gradient,0.6,NaN,0.5,0,0,1,1\n"
	for s, text := range []string{seed1, seed2} {
		if err := os.WriteFile(env.Path(fmt.Sprintf("trajectory-seed%d.csv", s+1)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	trajs, err := evoMetaRead(env, 2)
	if err != nil {
		t.Fatal(err)
	}
	rows := evoMetaSummary(trajs)
	if len(rows) != 8 {
		t.Fatalf("%d rows, want 4 per run group (wright-fisher, adam)", len(rows))
	}
	mean := func(v ...float64) float64 { m, _ := meanSD(v); return m }
	want := []struct {
		quantity string
		mean     float64
		n        int
	}{
		{"test accuracy at generation 0, wright-fisher", mean(0.5, 0.6, 0.4, 0.3), 4},
		{"best test accuracy over the run, wright-fisher", mean(0.9, 0.8, 0.4, 0.3), 4},
		// the last (up to) 10 generations: seed 1 all three, seed 2 one.
		{"batch loss L(Ȳ), mean of the last 10 generations, wright-fisher", mean(mean(0.7, 0.6, 0.4), mean(0.7, 0.5, 0.3), 0.9, 0.8), 4},
		// seed 1: (3,4) and (0,1) against adam's (0,0): 5 and 1; seed 2:
		// (1,2) and (1,1) against (1,1): 1 and 0.
		{"distance ‖Ȳ − Ȳ_adam‖ at the end, wright-fisher", mean(5, 1, 1, 0), 4},
		{"test accuracy at generation 0, adam", mean(0.5, 0.5), 2},
		{"best test accuracy over the run, adam", mean(0.6, 0.5), 2},
		{"batch loss L(Ȳ), mean of the last 10 generations, adam", mean(mean(0.7, 0.4, 0.2), 0.6), 2},
		{"distance ‖Ȳ − Ȳ_adam‖ at the end, adam", 0, 2},
	}
	for i, w := range want {
		r := rows[i]
		if r.Quantity != w.quantity || r.Ours.N != w.n || math.Abs(r.Ours.Mean-w.mean) > 1e-12 {
			t.Errorf("row %d: %q mean %v (n=%d), want %q %v (n=%d)", i, r.Quantity, r.Ours.Mean, r.Ours.N, w.quantity, w.mean, w.n)
		}
	}
	if rows[1].Note != "at generations 0–2" {
		t.Errorf("best-accuracy note %q lacks the generations", rows[1].Note)
	}
	// A damaged file is an error naming it.
	os.WriteFile(env.Path("trajectory-seed2.csv"), []byte(header+"x,adam,gradient,1,1,1,1,1,1,1\n"), 0o644)
	if _, err := evoMetaRead(env, 2); err == nil || !strings.Contains(err.Error(), "trajectory-seed2.csv") {
		t.Errorf("damaged trajectory: %v", err)
	}
}

// TestEvoMetaCurvature: the eigenvalues and trace reported for a run are
// those of the Hessian of the meta-loss at its final rule, here checked
// against an independent Hessian: central differences (h = 1e-4) of the
// exact rule gradient, on a smooth landscape (T = 1 output rule, All
// scheme with AllEdges: no pattern, prediction or gate changes, and L is
// smooth in Y). Two runs of one group pool as mean of two.
func TestEvoMetaCurvature(t *testing.T) {
	sp, err := dataset.Load("halfspace", &dataset.Options{Seed: 2, TrainSize: 60, TestSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := plasticity.Config{Nodes: 20, Cap: 10, Rounds: 1, Seed: 3, Scheme: plasticity.All, AllEdges: true}
	fr, err := fitness.NewFullRule(cfg, sp.Train, nil)
	if err != nil {
		t.Fatal(err)
	}
	P := fr.Dim()
	ys := [][]float64{make([]float64, P), make([]float64, P)}
	for i := range P {
		ys[0][i] = 0.3 * math.Sin(float64(3*i+1))
		ys[1][i] = 0.5 * math.Cos(float64(2*i+1))
	}
	trajs := []*evoMetaTraj{{seed: 1, run: "exact", group: "exact", y: ys[0]}, {seed: 1, run: "exact/2", group: "exact", y: ys[1]}}
	rows, err := evoMetaCurvature(trajs, map[int]*fitness.FullRule{1: fr})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	var tops, bottoms, traces []float64
	for _, y := range ys {
		const h = 1e-4
		H := mat.NewSymDense(P, nil)
		gp, gm := make([]float64, P), make([]float64, P)
		cols := make([][]float64, P)
		for j := range P {
			yp, ym := append([]float64(nil), y...), append([]float64(nil), y...)
			yp[j] += h
			ym[j] -= h
			fr.Gradient(gp, yp)
			fr.Gradient(gm, ym)
			cols[j] = make([]float64, P)
			for i := range P {
				cols[j][i] = (gp[i] - gm[i]) / (2 * h)
			}
		}
		for i := range P {
			for j := i; j < P; j++ {
				H.SetSym(i, j, (cols[j][i]+cols[i][j])/2)
			}
		}
		var eig mat.EigenSym
		if !eig.Factorize(H, false) {
			t.Fatal("reference eigenvalues did not converge")
		}
		ev := eig.Values(nil)
		tops, bottoms, traces = append(tops, ev[len(ev)-1]), append(bottoms, ev[0]), append(traces, mat.Trace(H))
	}
	for i, want := range [][]float64{tops, bottoms, traces} {
		m, _ := meanSD(want)
		if got := rows[i].Ours.Mean; math.Abs(got-m) > 1e-5*math.Max(1, math.Abs(m)) || rows[i].Ours.N != 2 {
			t.Errorf("%s: %v (n=%d), finite differences give %v", rows[i].Quantity, got, rows[i].Ours.N, m)
		}
	}
	if !(tops[0] > 0) {
		t.Errorf("λ_top %v: the cross-entropy in the output rule is convex (Theorem 2), so the top eigenvalue is positive", tops[0])
	}
}

// TestEvoMetaQuick: the quick size runs end to end (two Wright–Fisher
// replicates and adam on the stochastic full-rule landscape), its report
// has every run's rows (test accuracies, summary from the trajectory,
// meta-loss curvature) and the figure is written.
func TestEvoMetaQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the quick experiment (about 15 CPU-s)")
	}
	rep, out := runQuick(t, "evolution-vs-meta")
	want := []string{
		"final test accuracy (relu1), wright-fisher/1", "final test accuracy (relu1), adam",
		"best test accuracy over the run, wright-fisher", "distance ‖Ȳ − Ȳ_adam‖ at the end, wright-fisher",
		"meta-loss Hessian at the final Ȳ: λ_top, adam", "meta-loss Hessian at the final Ȳ: trace, wright-fisher",
	}
	have := map[string]Row{}
	for _, r := range rep.Rows {
		have[r.Quantity] = r
	}
	for _, q := range want {
		r, ok := have[q]
		if !ok {
			t.Errorf("no row %q", q)
			continue
		}
		if r.Ours.N == 0 || math.IsNaN(r.Ours.Mean) {
			t.Errorf("%q: %v", q, r.Ours)
		}
	}
	// The distance of adam to itself is 0; accuracies are shares.
	if r := have["distance ‖Ȳ − Ȳ_adam‖ at the end, adam"]; r.Ours.Mean != 0 {
		t.Errorf("adam's distance to itself: %v", r.Ours)
	}
	if a := have["final test accuracy (relu1), adam"].Ours.Mean; !(a >= 0 && a <= 1) {
		t.Errorf("adam's test accuracy %v outside [0, 1]", a)
	}
	for _, f := range []string{"accuracy.png", "trajectory-seed1.csv"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestEvoMetaMissingTrajectory: a seed whose cell is in cells.json but
// whose trajectory CSV is gone (the summary and figures read it back) is
// computed again, to the same numbers, instead of failing at the end (as
// a run resumed from copied cells once did).
func TestEvoMetaMissingTrajectory(t *testing.T) {
	t.Parallel()
	cfg := []byte(`target = 0.95
[run]
generations = 3
[run.landscape]
kind = "full-rule"
dataset = "relu1"
batch = 20
stochastic = true
graph = true
[run.landscape.network]
nodes = 20
cap = 10
rounds = 3
[run.genetics]
loci = 4
eps = 0.05
theta = 0.6
fitness = "exp"
population = 10
replicates = 1
method = "monte-carlo"
samples = 2
[run.runs]
evolution = ["wright-fisher"]
gradient = ["adam"]
eval_every = 1
checkpoint_every = -1
[transfer]
dataset = "halfspace"
train_size = 100
test_size = 50
`)
	e, err := Get("evolution-vs-meta")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	run := func() (*Report, string) {
		var log bytes.Buffer
		rep, err := Run(e, cfg, &Env{Out: out, Seeds: 2, Log: &log})
		if err != nil {
			t.Fatal(err)
		}
		return rep, log.String()
	}
	first, _ := run()
	traj := filepath.Join(out, "trajectory-seed2.csv")
	want, err := os.ReadFile(traj)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(traj); err != nil {
		t.Fatal(err)
	}
	second, log := run()
	if !strings.Contains(log, "seed 2: trajectory-seed2.csv is missing") || !strings.Contains(log, "seed1: done in an earlier run") {
		t.Errorf("the rerun should reuse seed 1 and recompute seed 2; log:\n%s", log)
	}
	if got, err := os.ReadFile(traj); err != nil || !bytes.Equal(got, want) {
		t.Errorf("trajectory-seed2.csv not rewritten identically (err %v)", err)
	}
	if fmt.Sprint(first.Rows) != fmt.Sprint(second.Rows) {
		t.Errorf("the report changed:\n%v\n%v", first.Rows, second.Rows)
	}
}
