// Package archtest enforces the import rules of STYLE.md with go list -deps:
// imports point down only, and genetics never sees plasticity or fitness.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/evolve-toolkit/evolve"

// forbidden lists, for each package, project packages it must not depend on.
var forbidden = map[string][]string{
	"dataset":         {"plasticity", "fitness", "genetics", "sim", "experiments", "cmd/evolve"},
	"genetics":        {"plasticity", "fitness", "dataset", "sim", "experiments", "cmd/evolve"},
	"plasticity":      {"fitness", "genetics", "sim", "experiments", "cmd/evolve"},
	"fitness":         {"genetics", "sim", "experiments", "cmd/evolve"},
	"plasticity/hebb": {"fitness", "genetics", "sim", "experiments", "cmd/evolve"},
	"sim":             {"experiments", "cmd/evolve"},
	"experiments":     {"cmd/evolve"},
	"curvature":       {"dataset", "genetics", "plasticity", "fitness", "sim", "experiments", "cmd/evolve", "internal"},
	"internal/gemm":   {"dataset", "genetics", "plasticity", "fitness", "sim", "experiments", "cmd/evolve", "curvature"},
}

func TestImportRules(t *testing.T) {
	for pkg, bad := range forbidden {
		out, err := exec.Command("go", "list", "-deps", module+"/"+pkg).CombinedOutput()
		if err != nil {
			if strings.Contains(string(out), "no Go files") || strings.Contains(string(out), "cannot find") || strings.Contains(string(out), "no required module") {
				t.Logf("%s: not built yet", pkg)
				continue
			}
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		deps := strings.Fields(string(out))
		for _, d := range deps {
			for _, b := range bad {
				if d == module+"/"+b || strings.HasPrefix(d, module+"/"+b+"/") {
					t.Errorf("%s imports %s (forbidden by STYLE.md)", pkg, d)
				}
			}
		}
	}
}

// TestNoGlobalRand checks that no non-test code calls the top-level
// functions of math/rand/v2 (STYLE.md rule 6).
func TestNoGlobalRand(t *testing.T) {
	out, err := exec.Command("grep", "-rnE", `rand\.(Int|Float64|IntN|Uint64|Perm|Shuffle|NormFloat64|ExpFloat64|N)\(`, "--include=*.go", "../..").CombinedOutput()
	if err != nil && len(out) == 0 {
		return // grep found nothing
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" || strings.Contains(line, "_test.go") || strings.Contains(line, "archtest") {
			continue
		}
		t.Errorf("global math/rand call: %s", line)
	}
}
