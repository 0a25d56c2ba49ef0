package main

import (
	"io"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=...";
// otherwise the module version or VCS revision is used.
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v += " " + s.Value
		case "vcs.modified":
			if s.Value == "true" {
				v += " (modified)"
			}
		}
	}
	return v
}

// commands lists the subcommands; each lives in a file of its own.
var commands = []func() *cli.Command{
	// The main job and the theory.
	runCommand, checkCommand,
	// Networks: train with rules, learn rules, baselines, attacks.
	trainCommand, metaCommand, baselineCommand, optimalRuleCommand, attackCommand,
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
		app.Commands = append(app.Commands, c())
	}
	return app
}
