package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/fitness"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// fdHessian returns the Hessian of a function with gradient grad by
// central differences of the gradient, symmetrised, and its eigenvalues.
func fdHessian(p int, x []float64, grad func(dst, x []float64)) []float64 {
	const h = 1e-5
	hs := mat.NewSymDense(p, nil)
	cols := make([][]float64, p)
	for j := 0; j < p; j++ {
		xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
		xp[j] += h
		xm[j] -= h
		gp, gm := make([]float64, p), make([]float64, p)
		grad(gp, xp)
		grad(gm, xm)
		cols[j] = make([]float64, p)
		for i := range gp {
			cols[j][i] = (gp[i] - gm[i]) / (2 * h)
		}
	}
	for i := 0; i < p; i++ {
		for j := i; j < p; j++ {
			hs.SetSym(i, j, (cols[i][j]+cols[j][i])/2)
		}
	}
	var e mat.EigenSym
	if !e.Factorize(hs, false) {
		panic("eigendecomposition failed")
	}
	return e.Values(nil)
}

func readCurvatureCSV(t *testing.T, dir string) map[string]string {
	t.Helper()
	rows, err := output.ReadCSV(filepath.Join(dir, "curvature.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("curvature.csv has %d rows, want header and one", len(rows))
	}
	m := map[string]string{}
	for i, k := range rows[0] {
		m[k] = rows[1][i]
	}
	return m
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Network mode on a T = 1 network: the loss is smooth in U (the caps do
// not depend on U), so the Hessian by central differences of the exact
// gradient is an independent reference. λ_top and λ_min from the command
// equal its extreme eigenvalues (Lanczos reaches the full dimension,
// 2·8 = 16 parameters); Hutchinson's trace lies within 4 standard errors
// of its trace; 2/η is printed and recorded; a second run into the same
// folder needs --force.
func TestCurvatureNetwork(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, _, err := run(t, "train", "--dataset", "halfspace", "--train-size", "300", "--test-size", "50", "--nodes", "8",
		"--epochs", "1", "--curve-every", "0", "--out", filepath.Join(dir, "net"), "--quiet"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "net", networkFile)
	out := filepath.Join(dir, "c")
	stdout, _, err := run(t, "curvature", "--examples", "64", "--lanczos", "16", "--probes", "200", "--lr", "0.5", "--out", out, "--quiet", file)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"λ_top", "λ_min", "trace", "2/η         4 "} {
		if !strings.Contains(stdout, s) {
			t.Errorf("output lacks %q:\n%s", s, stdout)
		}
	}
	got := readCurvatureCSV(t, out)

	s, err := loadNetwork(file)
	if err != nil {
		t.Fatal(err)
	}
	data, err := dataset.Load("halfspace", &dataset.Options{Seed: s.Network.Config().Seed, TrainSize: 64, TestSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	xs := make([][]float64, data.Train.Len())
	for i := range xs {
		xs[i] = data.Train.Row(i, nil)
	}
	cl := plasticity.NewClassLoss(s.Network, xs, data.Train.Y, plasticity.CrossEntropy)
	ev := fdHessian(cl.Len(), cl.Params(), func(dst, x []float64) { cl.Grad(dst, x) })
	var tr float64
	for _, v := range ev {
		tr += v
	}
	check := func(name string, got, want, tol float64) {
		t.Helper()
		if d := got - want; d > tol || d < -tol {
			t.Errorf("%s = %v, dense finite-difference Hessian %v (tolerance %g)", name, got, want, tol)
		}
	}
	top := ev[len(ev)-1]
	check("λ_top", num(t, got["lambda_top"]), top, 1e-6*top)
	check("λ_min", num(t, got["lambda_min"]), ev[0], 1e-6*top)
	check("trace", num(t, got["trace"]), tr, 4*num(t, got["trace_se"]))
	check("2/η", num(t, got["two_over_eta"]), 4, 0)
	for _, f := range []string{"ritz.csv", "ritz.png", "ritz.svg", "meta.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if _, _, err := run(t, "curvature", "--out", out, "--quiet", file); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("second run into a finished folder: %v, want an error naming --force", err)
	}
	if _, _, err := run(t, "curvature", "--out", out, "--force", "--quiet", "--examples", "16", file); err != nil {
		t.Errorf("--force: %v", err)
	}
}

// Rule mode in the smooth case (T = 1, output rule, all examples, all
// edges: L is smooth in the rule): λ_top, λ_min of the meta-loss equal
// the eigenvalues of the Hessian by central differences of the
// landscape's exact gradient.
func TestCurvatureRule(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rule := filepath.Join(dir, "o.json")
	r := plasticity.NewRule(plasticity.OutputRule, 1)
	copy(r.Table, []float64{-1, 0.5, 0.8, -0.3})
	if err := saveRule(rule, r, "test"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "c")
	if _, _, err := run(t, "curvature", "--output-rule", rule, "--dataset", "halfspace", "--examples", "50", "--nodes", "12",
		"--scheme", "all", "--all-edges", "--eta", "0.1", "--probes", "-1", "--out", out, "--quiet"); err != nil {
		t.Fatal(err)
	}
	got := readCurvatureCSV(t, out)
	if got["trace"] != "" {
		t.Errorf("--probes -1 should skip the trace, got %q", got["trace"])
	}
	data, err := dataset.Load("halfspace", &dataset.Options{Seed: 1, TrainSize: 50, TestSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	f, err := fitness.NewFullRule(plasticity.Config{Nodes: 12, Cap: 6, Rounds: 1, Scheme: plasticity.All, AllEdges: true, Eta: 0.1, Seed: 1}, data.Train, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := fdHessian(4, r.Table, func(dst, x []float64) { f.Gradient(dst, x) })
	top := max(ev[3], -ev[0])
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"λ_top", num(t, got["lambda_top"]), ev[3]}, {"λ_min", num(t, got["lambda_min"]), ev[0]}} {
		if d := c.got - c.want; d > 1e-6*top || d < -1e-6*top {
			t.Errorf("%s = %v, dense finite-difference Hessian %v", c.name, c.got, c.want)
		}
	}
}

// Rule mode on a multiplicative MLP output rule (T = 1, width 3: 13
// weights), in the smooth case (scheme all, all edges: at T = 1 the
// patterns do not depend on the weights and every update is applied, so
// the meta-loss is smooth in the MLP weights). The reference is the dense
// Hessian by central differences of the exact gradient with respect to the
// MLP weights (RuleGrader's table gradient chained through MLP.Backward)
// on the same network (the full-rule landscape's stream) and batch;
// Lanczos reaches the full dimension, so λ_top and λ_min agree to 1e-6.
func TestCurvatureRuleMLPMultiplicative(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rule := filepath.Join(dir, "o.json")
	r := plasticity.NewRule(plasticity.OutputRule, 1)
	r.Update = plasticity.Multiplicative
	r.MLP = plasticity.NewMLP(plasticity.OutputRule, 1, 3, rand.NewPCG(4, 4))
	r.Eval()
	if err := saveRule(rule, r, "test"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "c")
	if _, _, err := run(t, "curvature", "--output-rule", rule, "--dataset", "halfspace", "--examples", "40", "--nodes", "12",
		"--scheme", "all", "--all-edges", "--eta", "0.1", "--probes", "-1", "--out", out, "--quiet"); err != nil {
		t.Fatal(err)
	}
	// An output rule given as the graph rule is an error naming the file.
	if _, _, err := run(t, "curvature", "--output-rule", rule, "--graph-rule", rule, "--dataset", "halfspace", "--rounds", "2", "--quiet"); err == nil || !strings.Contains(err.Error(), "must be of kind") {
		t.Errorf("output rule as --graph-rule: error %v", err)
	}
	got := readCurvatureCSV(t, out)
	if p := num(t, got["params"]); p != 13 {
		t.Fatalf("params = %v, want the MLP's 13 weights", p)
	}
	data, err := dataset.Load("halfspace", &dataset.Options{Seed: 1, TrainSize: 40, TestSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := plasticity.Config{Inputs: data.Train.Dim, Labels: data.Train.Labels, Nodes: 12, Cap: 6, Rounds: 1,
		Scheme: plasticity.All, AllEdges: true, Eta: 0.1, Seed: 1}.Defaults()
	net, err := plasticity.New(cfg, seed.PCG(1, seed.Network, 0))
	if err != nil {
		t.Fatal(err)
	}
	rg := plasticity.NewRuleGrader(net)
	x0 := r.MLP.Params(nil)
	ev := fdHessian(len(x0), x0, func(dst, x []float64) {
		q := r.Clone()
		q.MLP.SetParams(x)
		q.Eval()
		dT := make([]float64, len(q.Table))
		if _, _, err := rg.Gradient(nil, dT, plasticity.Rules{Output: q}, data.Train, plasticity.CrossEntropy); err != nil {
			t.Fatal(err)
		}
		clear(dst)
		q.MLP.Backward(dst, dT, q.Kind, q.Rounds)
	})
	n := len(ev)
	top := max(ev[n-1], -ev[0])
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"λ_top", num(t, got["lambda_top"]), ev[n-1]}, {"λ_min", num(t, got["lambda_min"]), ev[0]}} {
		if d := c.got - c.want; d > 1e-6*top || d < -1e-6*top {
			t.Errorf("%s = %v, dense finite-difference Hessian %v", c.name, c.got, c.want)
		}
	}
}

// Bad input is an error naming the problem.
func TestCurvatureErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "give one network file"},
		{[]string{"a.npz", "b.npz"}, "give one network file"},
		{[]string{"--output-rule", "x.json", "a.npz"}, "not both"},
		{[]string{"--lanczos", "0", "a.npz"}, "must not be 0"},
		{[]string{"--lr", "0", "a.npz"}, "--lr"},
		{[]string{"--examples", "0", "a.npz"}, "--examples"},
		{[]string{"--output-rule", "x.json", "--nodes", "0"}, "--nodes 0 is not a valid value"},
		{[]string{"--output-rule", "x.json", "--eta", "0"}, "--eta 0 is not a valid value"},
		{[]string{"--block", "x", "--dataset", "halfspace", "missing.npz"}, "missing.npz"},
	} {
		_, _, err := run(t, append([]string{"curvature", "--quiet", "--out", filepath.Join(dir, "out")}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
}
