package experiments

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/evolve-toolkit/evolve/internal/output"
)

// tinyTrain is a 2 × 2 × 3 = 12-point train sweep on halfspace that runs
// in well under a second: 500 training and 200 test points, |V| ≤ 40.
const tinyTrain = `command = "train"
[base]
dataset = "halfspace"
train_size = 500
test_size = 200
[base.network]
epochs = 1
[grid]
"network.eta" = [0.01, 0.1]
network.nodes = [20, 40]
seeds = [1, 2, 3]
`

// tinyRun is a 2 × 2-point run sweep: 5 generations of a |V| = 20 output-rule landscape.
const tinyRun = `command = "run"
[base]
generations = 5
[base.landscape]
batch = 50
network = { nodes = 20 }
[base.genetics]
loci = 2
population = 50
[grid]
"genetics.theta" = [1, 0.05]
seeds = 2
`

func parse(t *testing.T, text string) *Sweep {
	t.Helper()
	s, err := ParseSweep("test.toml", []byte(text), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func runShards(t *testing.T, s *Sweep, dir string, n int) {
	t.Helper()
	for i := range n {
		if _, err := RunShard(s, Shard{I: i, N: n}, &Env{Out: dir}); err != nil {
			t.Fatal(err)
		}
	}
}

// mergeTo merges dir and returns the bytes of results.csv and its summary.
func mergeTo(t *testing.T, dir string) (results, summary []byte) {
	t.Helper()
	m, err := Merge(dir)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := m.Write(filepath.Join(dir, "results.csv"), "test")
	if err != nil {
		t.Fatal(err)
	}
	r, err1 := os.ReadFile(filepath.Join(dir, "results.csv"))
	sm, err2 := os.ReadFile(sp)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return r, sm
}

func TestSweepOrder(t *testing.T) {
	t.Parallel()
	s := parse(t, tinyTrain)
	if s.Len() != 12 {
		t.Fatalf("%d points, want 2·2·3 = 12", s.Len())
	}
	want := []string{"point", "network.eta", "network.nodes", "seed", "train_accuracy", "test_accuracy", "updates"}
	if h := s.Header(); !slices.Equal(h, want) {
		t.Errorf("header %v, want %v", h, want)
	}
	// The first key varies slowest, the seed fastest: point 7 = eta[7/6], nodes[(7/3)%2], seed[7%3].
	vals, seed := s.Point(7)
	if !slices.Equal(vals, []string{"0.1", "20"}) || seed != 2 {
		t.Errorf("point 7: %v seed %d, want [0.1 20] seed 2", vals, seed)
	}
	c, err := s.Config(7)
	if err != nil {
		t.Fatal(err)
	}
	tc := c.(TrainConfig)
	if tc.Network.Eta != 0.1 || tc.Network.Nodes != 20 || tc.Network.Cap != 10 || tc.Network.Seed != 2 || tc.TrainSize != 500 {
		t.Errorf("point 7 config: %+v", tc)
	}
	// Shards 0-based, index ≡ i mod n.
	if got := (Shard{I: 1, N: 5}).Points(12); !slices.Equal(got, []int{1, 6, 11}) {
		t.Errorf("shard 1/5 of 12: %v", got)
	}
}

// TestSweepShardsMergeEqualWhole: a sweep split into 3 shards (run with
// GOMAXPROCS=1) and merged gives the same results.csv and summary, byte for
// byte, as the sweep run whole (with the default GOMAXPROCS).
func TestSweepShardsMergeEqualWhole(t *testing.T) {
	for _, tc := range []struct{ name, text string }{{"train", tinyTrain}, {"run", tinyRun}} {
		t.Run(tc.name, func(t *testing.T) {
			s := parse(t, tc.text)
			whole, split := t.TempDir(), t.TempDir()
			runShards(t, s, whole, 1)
			func() {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
				runShards(t, s, split, 3)
			}()
			rw, sw := mergeTo(t, whole)
			rs, ss := mergeTo(t, split)
			if !bytes.Equal(rw, rs) {
				t.Errorf("results.csv differs:\nwhole:\n%s\nshards:\n%s", rw, rs)
			}
			if !bytes.Equal(sw, ss) {
				t.Errorf("summary differs:\nwhole:\n%s\nshards:\n%s", sw, ss)
			}
			rows, err := output.ReadCSV(filepath.Join(whole, "results.csv"))
			if err != nil || len(rows) != s.Len()+1 {
				t.Fatalf("results.csv: %d rows, %v", len(rows), err)
			}
			sum, err := output.ReadCSV(SummaryPath(filepath.Join(whole, "results.csv")))
			if err != nil || len(sum) != s.Len()/len(s.Seeds)+1 {
				t.Fatalf("summary: %d rows, %v", len(sum), err)
			}
			if n := sum[1][len(s.Params)]; n != "2" && n != "3" {
				t.Errorf("summary seeds column %q", n)
			}
		})
	}
}

// TestSweepResume: a shard whose CSV lost rows (a crash) keeps the rows
// it has, runs the others and ends with the same file.
func TestSweepResume(t *testing.T) {
	t.Parallel()
	s := parse(t, tinyTrain)
	dir := t.TempDir()
	sh := Shard{I: 1, N: 2}
	runShards(t, s, dir, 0)
	if _, err := RunShard(s, sh, &Env{Out: dir}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "shard-1-of-2.csv")
	full, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(full), "\n")
	if err := os.WriteFile(path, []byte(strings.Join(lines[:3], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := RunShard(s, sh, &Env{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Resumed != 2 || rep.Ran != 4 {
		t.Errorf("resumed %d, ran %d; want 2 and 4", rep.Resumed, rep.Ran)
	}
	again, _ := os.ReadFile(path)
	if !bytes.Equal(full, again) {
		t.Errorf("resumed shard differs:\n%s\nwant\n%s", again, full)
	}
	// Another sweep into the same folder is refused.
	other := parse(t, strings.Replace(tinyTrain, "[1, 2, 3]", "[4, 5, 6]", 1))
	if _, err := RunShard(other, sh, &Env{Out: dir}); err == nil || !strings.Contains(err.Error(), "another sweep") {
		t.Errorf("other sweep into the same folder: %v", err)
	}
}

func TestMergeErrors(t *testing.T) {
	t.Parallel()
	s := parse(t, tinyTrain)
	dir := t.TempDir()
	runShards(t, s, dir, 3)

	// A missing shard: its points are named.
	missing := t.TempDir()
	for _, f := range []string{"shard-0-of-3", "shard-1-of-3"} {
		for _, ext := range []string{".csv", ".meta.json"} {
			b, _ := os.ReadFile(filepath.Join(dir, f+ext))
			os.WriteFile(filepath.Join(missing, f+ext), b, 0o644)
		}
	}
	_, err := Merge(missing)
	for _, want := range []string{"4 of 12 points missing: 2, 5, 8, 11", "absent: shard-2-of-3.csv"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing shard: error %v, want it to say %q", err, want)
		}
	}

	// Shards of two sweeps.
	other := parse(t, strings.Replace(tinyTrain, "test_size = 200", "test_size = 100", 1))
	odir := t.TempDir()
	if _, err := RunShard(other, Shard{I: 2, N: 3}, &Env{Out: odir}); err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(missing, odir); err == nil || !strings.Contains(err.Error(), "different sweeps") {
		t.Errorf("mixed sweeps: %v", err)
	}

	// The whole sweep next to its shards: every point twice.
	wdir := t.TempDir()
	runShards(t, s, wdir, 1)
	if _, err := Merge(dir, wdir); err == nil || !strings.Contains(err.Error(), "point 0 is in both") {
		t.Errorf("duplicates: %v", err)
	}

	// A CSV without its meta, and a folder without shards.
	os.Remove(filepath.Join(missing, "shard-1-of-3.meta.json"))
	if _, err := Merge(missing); err == nil || !strings.Contains(err.Error(), "no meta") {
		t.Errorf("no meta: %v", err)
	}
	if _, err := Merge(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no shard") {
		t.Errorf("empty folder: %v", err)
	}
}

func TestParseShard(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Shard
		ok   bool
	}{
		{"0/1", Shard{0, 1}, true},
		{"2/3", Shard{2, 3}, true},
		{"9/10", Shard{9, 10}, true},
		{"3/3", Shard{}, false}, // 0-based: the last of 3 is 2
		{"-1/3", Shard{}, false},
		{"1/0", Shard{}, false},
		{"1", Shard{}, false},
		{"a/b", Shard{}, false},
		{"1/3/4", Shard{}, false},
	} {
		got, err := ParseShard(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseShard(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func TestParseSweepErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ text, want string }{
		{``, "no command"},
		{`command = "trian"`, `must be "train" or "run"`},
		{"command = \"train\"\nfoo = 1", `unknown key "foo"`},
		{"command = \"train\"\n[base]\nnodes = 3", "unknown keys of the train config: [nodes]"},
		{"command = \"train\"\n[grid]\n\"network.nodez\" = [1]", "unknown keys of the train config: [network.nodez]"},
		{"command = \"run\"\n[grid]\n\"network.nodes\" = [1]", "unknown keys of the run config: [network network.nodes]"},
		{"command = \"train\"\n[grid]\n\"network.rounds\" = [\"x\"]", `"network.rounds" = "x": train config: key "network.rounds": incompatible types`},
		{"command = \"train\"\n[grid]\n\"network.rounds\" = 3", "must be a list"},
		{"command = \"train\"\n[grid]\n\"network.rounds\" = []", "no values"},
		{"command = \"train\"\n[grid]\n\"network.rounds\" = [[1]]", "numbers, strings or booleans"},
		{"command = \"train\"\n[grid]\n\"network.seed\" = [1, 2]", "seeds = [...]"},
		{"command = \"run\"\n[grid]\nseed = [1, 2]", "seeds = [...]"},
		{"command = \"train\"\n[grid]\nseeds = [1, 1]", "appears twice"},
		{"command = \"train\"\n[grid]\nseeds = [-1]", "not a non-negative integer"},
		{"command = \"train\"\n[grid]\nseeds = 0", "positive count"},
		{"command = \"train\"\n[grid]\n\"dataset.x\" = [1]", `key "dataset"`},
		{"command = \"train\"\n[grid]\ndataset = [\"halfspace\", \"nope\"]", `point 1 (dataset=nope seed=1): unknown data set "nope"`},
		{"command = \"train\"\n[base.network]\ncap = 30\n[grid]\n\"network.nodes\" = [20, 100]", "point 0 (network.nodes=20 seed=1)"},
		{"command = \"train\"\n[grid]\noutput_rule = [\"missing.rule.json\"]", "missing.rule.json"},
		{"command = \"train\"\n[grid]\neval = [\"exact\", \"float16\"]", `point 1 (eval=float16 seed=1): eval "float16": want "exact" or "fast"`},
		// Lists are not grid values, so the grid cannot change the result columns.
		{"command = \"run\"\n[grid]\n\"runs.gradient\" = [\"gd\", \"adam\"]", `key "runs.gradient": incompatible types`},
		{"command = \"train\"\n[grid]\nseeds = 100001", "positive count"},
		{"command = \"train\"\n[grid]\n\"network.nodes\" = [10]\nnetwork.nodes = [20]", `"network.nodes" is given twice`},
	} {
		_, err := ParseSweep("t.toml", []byte(tc.text), t.TempDir())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n error %v\n want it to contain %q", tc.text, err, tc.want)
		}
	}
}

func FuzzParseSweep(f *testing.F) {
	f.Add(tinyTrain)
	f.Add(tinyRun)
	f.Add("command = \"train\"\n[grid]\n\"network.nodes\" = [1, 2.5, \"x\", true]\nseeds = [0]")
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseSweep("fuzz.toml", []byte(text), t.TempDir())
		if err != nil {
			return
		}
		if s.Len() < 1 || len(s.Header()) != 2+len(s.Params)+len(s.Results) {
			t.Fatalf("%d points, header %v", s.Len(), s.Header())
		}
		s.Point(s.Len() - 1)
	})
}

// ExampleParseSweep lists the points of a sweep in index order: the first
// grid key varies slowest, the seed fastest.
func ExampleParseSweep() {
	s, err := ParseSweep("grid.toml", []byte(`
command = "train"
[base]
dataset = "halfspace"
[grid]
"network.rounds" = [1, 3]
"network.nodes" = [100, 200]
seeds = 2
`), ".")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Header())
	for _, i := range (Shard{I: 1, N: 3}).Points(s.Len()) {
		vals, seed := s.Point(i)
		fmt.Println(i, vals, seed)
	}
	// Output:
	// [point network.rounds network.nodes seed train_accuracy test_accuracy updates]
	// 1 [1 100] 2
	// 4 [3 100] 1
	// 7 [3 200] 2
}
