package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/evolve-toolkit/evolve/experiments"
)

// redrawFlag redraws a finished experiment run with this version of evolve.
var redrawFlag = &cli.StringFlag{
	Name:  "redraw",
	Usage: "redraw the finished run in folder `FROM` with this version of evolve, computing nothing: its cells (cells.json, any version of evolve) make the tables, figures and results.md, written to --out; FROM is left as it is; --config, --quick, --seeds and --data-dir default to FROM's",
}

// finishedRun is what a redraw reads from a finished run's meta.json.
type finishedRun struct {
	Experiment   string  `json:"experiment"`
	Version      string  `json:"version"`
	CellsVersion string  `json:"cells_version"` // when the run was itself a redraw
	Quick        bool    `json:"quick"`
	Seeds        int     `json:"seeds"`
	SeedsGiven   *int    `json:"seeds_given"`
	DataDir      *string `json:"data_dir"`
	ConfigGiven  string  `json:"config_given"`
}

// redrawnExperiment returns the experiment of the finished run in from.
func redrawnExperiment(from string) (string, error) {
	m, err := readFinishedRun(from)
	if err != nil {
		return "", err
	}
	if m.Experiment == "" {
		return "", fmt.Errorf("--redraw %s: meta.json does not name its experiment; name it", from)
	}
	return m.Experiment, nil
}

// readFinishedRun reads the meta.json of the finished run in from.
func readFinishedRun(from string) (finishedRun, error) {
	var m finishedRun
	b, err := os.ReadFile(filepath.Join(from, "meta.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return m, fmt.Errorf("--redraw %s: no finished result there (meta.json); finish the run first (rerun it with --out %s)", from, from)
	} else if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("--redraw %s: meta.json: %v", from, err)
	}
	return m, nil
}

// prepareRedraw checks that from holds a finished run of e, fills in the
// config and the env's size, seed count and data folder from it where
// the command line gave none, copies its files (all but meta.json) to
// env.Out and sets env.Redraw. It returns the config to run.
func prepareRedraw(c *cli.Context, e *experiments.Experiment, from string, config []byte, env *experiments.Env) ([]byte, error) {
	if st, err := os.Stat(from); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--redraw %s: not a folder", from)
	}
	m, err := readFinishedRun(from)
	if err != nil {
		return nil, err
	}
	if m.Experiment != e.Name {
		return nil, fmt.Errorf("--redraw %s: that folder holds a run of experiment %q, not %q", from, m.Experiment, e.Name)
	}
	version := m.Version
	if m.CellsVersion != "" {
		version = m.CellsVersion
	}
	if version == "" {
		return nil, fmt.Errorf("--redraw %s: meta.json does not say which version of evolve computed the cells", from)
	}
	if _, err := os.Stat(filepath.Join(env.Out, "cells.json")); err == nil {
		return nil, fmt.Errorf("--redraw %s: --out %s holds the cells of another run; choose another --out, or give --force to replace them", from, env.Out)
	}
	if _, err := os.Stat(filepath.Join(from, "cells.json")); err != nil {
		return nil, fmt.Errorf("--redraw %s: no cells.json, nothing to redraw from", from)
	}
	if !c.IsSet("config") && m.ConfigGiven != "" {
		config = []byte(m.ConfigGiven)
	}
	if !c.IsSet("quick") {
		env.Quick = m.Quick
	}
	if !c.IsSet("data-dir") && m.DataDir != nil {
		env.DataDir = *m.DataDir
	}
	if !c.IsSet("seeds") {
		// Runs before meta.json recorded the seed count as given: it was
		// either left out (0) or the count that ran.
		switch {
		case m.SeedsGiven != nil:
			env.Seeds = *m.SeedsGiven
		case experiments.CellsMatch(from, e, config, env, version):
			env.Seeds = 0
		default:
			env.Seeds = m.Seeds
		}
	}
	if err := copyRun(from, env.Out); err != nil {
		return nil, fmt.Errorf("--redraw %s: copying it to %s: %w", from, env.Out, err)
	}
	env.Redraw = &experiments.Redraw{From: from, Version: version}
	return config, nil
}

// sameFolder reports whether a and b name the same existing folder
// (false if either does not exist); runExperiment checks it before --force may remove
// anything in --out.
func sameFolder(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}

// copyRun copies the files of the run folder from to out, keeping their
// relative paths, except meta.json (out is finished only when the redraw
// writes its own).
func copyRun(from, out string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		dst := filepath.Join(out, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case !d.Type().IsRegular() || rel == "meta.json":
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
}
