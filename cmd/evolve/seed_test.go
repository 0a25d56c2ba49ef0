package main

import (
	"io"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestSeedDefaultOne: every command's --seed defaults to 1 (the
// experiments' first seed), in the flag and in the effective config it
// records. Before, run and check used 0 and the network commands 1.
func TestSeedDefaultOne(t *testing.T) {
	// hebb evaluate's --seed defaults to the seed of the training it
	// evaluates (its test episodes), which is 1 unless the training set it.
	exempt := map[string]bool{"hebb evaluate": true}
	var walk func(prefix string, cmds []*cli.Command)
	seen := 0
	walk = func(prefix string, cmds []*cli.Command) {
		for _, cmd := range cmds {
			name := strings.TrimSpace(prefix + " " + cmd.Name)
			walk(name, cmd.Subcommands)
			for _, f := range cmd.Flags {
				sf, ok := f.(*cli.Uint64Flag)
				if !ok || sf.Name != "seed" || exempt[name] {
					continue
				}
				seen++
				if sf.Value != 1 {
					t.Errorf("evolve %s --seed defaults to %d, want 1", name, sf.Value)
				}
			}
		}
	}
	walk("", newApp(io.Discard, io.Discard).Commands)
	if seen < 8 { // run, check, train, meta, baseline, optimal-rule, attack, hebb train, config dump
		t.Errorf("found --seed on %d commands only", seen)
	}
	// The effective configs, as recorded in config.toml and meta.json.
	for _, args := range [][]string{
		{"run", "--print-config"},
		{"config", "dump"},
		{"config", "dump", "--check"},
		{"train", "--print-config"},
		{"meta", "--print-config"},
		{"baseline", "--print-config"},
		{"optimal-rule", "--print-config"},
		{"hebb", "config"},
	} {
		out, _, err := run(t, args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !strings.Contains(out, "seed = 1\n") || strings.Contains(strings.SplitN(out, "[", 2)[0], "seed = 0\n") {
			t.Errorf("%v: the effective config does not have seed = 1:\n%s", args, out)
		}
	}
	// A sweep of evolve run without seeds uses the base config's seed: 1.
	path := writeSweep(t, "command = \"run\"\n[base]\ngenerations = 2\n[grid]\n\"genetics.theta\" = [0.1, 0.2]\n")
	out, _, err := run(t, "sweep", "--dry-run", path)
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && (f[0] == "0" || f[0] == "1") {
			rows++
			if f[2] != "1" {
				t.Errorf("sweep of run without seeds: point %s has seed %s, want 1", f[0], f[2])
			}
		}
	}
	if rows != 2 {
		t.Errorf("sweep --dry-run: %d point rows, want 2:\n%s", rows, out)
	}
}
