package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=...";
// otherwise buildVersion names the build.
var version = ""

// buildVersion names the code that runs: -X main.version, else the module
// version and VCS revision (with "(modified)" for a dirty tree). A build
// without a VCS stamp (go build -buildvcs=false, which GOFLAGS sets on some
// machines, or a build outside a checkout) is only "(devel)", which names
// no code, so the SHA-256 of the executable is added ("exe-" and 16 hex
// digits): experiment cells of other code are then not reused, and
// meta.json says which build ran. Go builds are reproducible, so the same
// code built the same way (go run included) gives the same name.
var buildVersion = sync.OnceValue(func() string {
	if version != "" {
		return version
	}
	v, stamped := "unknown", false
	if info, ok := debug.ReadBuildInfo(); ok {
		v = info.Main.Version
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				v += " " + s.Value
				stamped = true
			case "vcs.modified":
				if s.Value == "true" {
					v += " (modified)"
				}
			}
		}
	}
	if !stamped {
		if h, err := executableHash(); err == nil {
			v += " exe-" + h
		}
	}
	return v
})

// executableHash returns the first 16 hex digits of the SHA-256 of the
// running executable.
func executableHash() (string, error) {
	path, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// commands lists the subcommands; each lives in a file of its own.
var commands = []func() *cli.Command{
	// The main job and the theory.
	runCommand, checkCommand,
	// Networks: train with rules, learn rules, baselines, attacks.
	trainCommand, metaCommand, baselineCommand, optimalRuleCommand, attackCommand, curvatureCommand,
	// Differentiable plasticity (Hebbian traces).
	hebbCommand,
	// The paper's experiments and grids of runs.
	experimentCommand, sweepCommand, mergeCommand,
	configCommand,
}

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:                 "evolve",
		Usage:                "learning with plasticity rules; evolution and gradient descent side by side",
		Version:              buildVersion(),
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: true,
		ExitErrHandler:       func(*cli.Context, error) {}, // main prints errors
	}
	for _, c := range commands {
		cmd := c()
		strictArgs(cmd, nil)
		app.Commands = append(app.Commands, cmd)
	}
	return app
}

// strictArgs wraps the action of cmd and of its subcommands: flags after a
// positional argument are parsed too (urfave/cli stops parsing flags at
// the first positional argument, so "sweep FILE -q" or "train stray --out
// D" would lose them), and a command that takes no positional arguments
// (no ArgsUsage) rejects them.
func strictArgs(cmd *cli.Command, parent []string) {
	path := append(slices.Clone(parent), cmd.Name)
	for _, sc := range cmd.Subcommands {
		strictArgs(sc, path)
	}
	act := cmd.Action
	if act == nil {
		return
	}
	cmd.Action = func(c *cli.Context) error {
		if moved, err := flagsAfterArgs(c, path); moved {
			return err
		}
		if cmd.ArgsUsage == "" && c.NArg() > 0 {
			return fmt.Errorf("%s: unexpected argument %q: the command takes flags only (see 'evolve %s --help')",
				strings.Join(path, " "), c.Args().First(), strings.Join(path, " "))
		}
		return act(c)
	}
}

// flagsAfterArgs re-runs the command at path with every flag before the
// positional arguments when a flag follows one; it reports false when
// there is nothing to move. The flags parsed already are passed again
// under their first name, unless the moved ones give them again.
func flagsAfterArgs(c *cli.Context, path []string) (bool, error) {
	args := c.Args().Slice()
	byName := map[string]cli.Flag{}
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			byName[n] = f
		}
	}
	var moved, pos []string
	again := map[cli.Flag]bool{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			moved = append(moved, a)
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			f := byName[name]
			if f != nil {
				again[f] = true
			}
			if _, isBool := f.(*cli.BoolFlag); f != nil && !isBool && !hasValue && i+1 < len(args) {
				i++
				moved = append(moved, args[i])
			}
		default:
			pos = append(pos, a)
		}
	}
	if len(moved) == 0 {
		return false, nil
	}
	re := append([]string{c.App.Name}, path...)
	for _, f := range c.Command.Flags {
		name := f.Names()[0]
		if again[f] || !c.IsSet(name) {
			continue
		}
		switch f.(type) {
		case *cli.StringSliceFlag:
			for _, v := range c.StringSlice(name) {
				re = append(re, "--"+name+"="+v)
			}
		case *cli.IntSliceFlag:
			for _, v := range c.IntSlice(name) {
				re = append(re, fmt.Sprintf("--%s=%d", name, v))
			}
		case *cli.Float64SliceFlag:
			for _, v := range c.Float64Slice(name) {
				re = append(re, fmt.Sprintf("--%s=%v", name, v))
			}
		default:
			re = append(re, fmt.Sprintf("--%s=%v", name, c.Value(name)))
		}
	}
	re = append(re, moved...)
	re = append(re, pos...)
	return true, c.App.RunContext(c.Context, re)
}
