package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/evolve-toolkit/evolve/plasticity"
)

// TestSweepWarnsRuleOrigin: evolve sweep prints the sweep's provenance
// warnings on stderr, also with --dry-run and --quiet (a rule learned
// under the reference recurrence used under the paper recurrence).
func TestSweepWarnsRuleOrigin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rule := filepath.Join(dir, "ref.rule.json")
	if err := saveRuleOrigin(rule, plasticity.Perceptron(1), "test", plasticity.OriginOf(plasticity.Config{Rounds: 1, Recurrence: plasticity.Reference}, "meta")); err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, filepath.Join(dir, "s.toml"), "command = \"train\"\n[base]\ndataset = \"halfspace\"\noutput_rule = \"ref.rule.json\"\n[grid]\nseeds = [1, 2]\n")
	stdout, stderr, err := run(t, "sweep", "--dry-run", "--quiet", "--out", filepath.Join(dir, "out"), file)
	if err != nil {
		t.Fatal(err)
	}
	if want := "sweep: " + file + ": warning: output_rule ref.rule.json was learned under the reference recurrence, used under the paper recurrence"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s\nstdout:\n%s", want, stderr, stdout)
	}
}
