package experiments

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evolve-toolkit/evolve/plasticity"
)

// TestSweepWarnsRuleOrigin: a train sweep whose points use a rule file
// learned under the reference recurrence warns, naming both recurrences,
// once for the points that use it under the paper recurrence (0 and 1:
// the recurrence varies slowest, two seeds) and not for those that use it
// as learned; a rule file that records no origin warns about nothing
// (issue 15's provenance, as evolve train warns).
func TestSweepWarnsRuleOrigin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, o *plasticity.Origin) {
		var buf bytes.Buffer
		if err := plasticity.WriteRuleOrigin(&buf, plasticity.Perceptron(1), "test", o); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ref.rule.json", plasticity.OriginOf(plasticity.Config{Rounds: 1, Recurrence: plasticity.Reference}, "meta"))
	write("old.rule.json", nil)
	sweep := func(rule string) *Sweep {
		s, err := ParseSweep("origin.toml", []byte(`command = "train"
[base]
dataset = "halfspace"
output_rule = "`+rule+`"
[grid]
"network.recurrence" = ["paper", "reference"]
seeds = [1, 2]
`), dir)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := sweep("ref.rule.json")
	want := "origin.toml: warning: output_rule ref.rule.json was learned under the reference recurrence, used under the paper recurrence"
	if len(s.Warnings) != 1 || !strings.HasPrefix(s.Warnings[0], want) || !strings.HasSuffix(s.Warnings[0], ", in points 0 and 1") {
		t.Errorf("warnings %q, want one: %q…, in points 0 and 1", s.Warnings, want)
	}
	if s := sweep("old.rule.json"); len(s.Warnings) != 0 {
		t.Errorf("a rule file without origin warns: %q", s.Warnings)
	}
}

// TestPointList: the point lists of sweep warnings.
func TestPointList(t *testing.T) {
	for _, tc := range []struct {
		pts  []int
		want string
	}{
		{[]int{3}, "point 3"},
		{[]int{0, 1}, "points 0 and 1"},
		{[]int{0, 2, 4}, "points 0, 2 and 4"},
		{[]int{0, 2, 4, 6}, "points 0, 2, 4 and 6"},
		{[]int{0, 2, 4, 6, 8}, "points 0, 2, 4, … (5 points)"},
	} {
		if got := pointList(tc.pts); got != tc.want {
			t.Errorf("pointList(%v) = %q, want %q", tc.pts, got, tc.want)
		}
	}
}
