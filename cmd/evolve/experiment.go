package main

import (
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/evolve-toolkit/evolve/experiments"
)

func experimentCommand() *cli.Command {
	return &cli.Command{
		Name:  "experiment",
		Usage: "the paper's figures and tables, one seeded command each",
		Subcommands: []*cli.Command{
			{
				Name:  "list",
				Usage: "list the experiments, what they reproduce and how long they take",
				Action: func(c *cli.Context) error {
					tw := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
					fmt.Fprintln(tw, "name\treproduces\tfull size\twhat")
					for _, e := range experiments.All() {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Name, e.Reproduces, e.FullTime, e.Title)
					}
					return tw.Flush()
				},
			},
			{
				Name:      "run",
				Usage:     "run one experiment",
				ArgsUsage: "NAME (optional with --redraw)",
				Description: `Runs the named experiment with its configuration (the embedded configs/NAME.toml, or
--config FILE) and writes CSV tables, figures, results.md (ours beside the paper's
numbers) and meta.json to --out (default runs/NAME-YYYYMMDD-HHMMSS-xxxxxx). --quick runs a
reduced size in seconds; its numbers are not comparable with the paper. config.toml
and meta.json record the configuration that ran (after --quick). Every finished unit of
work (a seed, a model) goes to cells.json at once: after a kill (Ctrl-C, SIGTERM, kill -9,
preemption) rerun the same command with the same --out and only the rest is computed.
A finished result (meta.json) in --out is an error unless --force.

--redraw FROM draws a finished run's tables, figures and results.md again with this
version of evolve, from FROM's cells.json (whatever version computed it), computing
nothing; FROM is left as it is and everything goes to --out. NAME may then be left out. Use it after an upgrade
that changed how results are drawn, rather than rerunning a long experiment.`,
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "quick", Usage: "reduced size (seconds)"},
					&cli.IntFlag{Name: "seeds", Usage: "number of seeds (default: the experiment's)"},
					&cli.StringFlag{Name: "out", Usage: "output folder (default: runs/NAME-YYYYMMDD-HHMMSS-xxxxxx); rerunning into it keeps the finished cells (cells.json)"},
					forceFlag,
					&cli.StringFlag{Name: "config", Usage: "TOML config replacing the embedded one (see 'evolve experiment config NAME')"},
					&cli.StringFlag{Name: "data-dir", Usage: "folder of the IDX files for mnist/fashion"},
					&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"},
					redrawFlag,
				},
				Action: runExperiment,
			},
			{
				Name:      "config",
				Usage:     "print an experiment's default configuration",
				ArgsUsage: "NAME",
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return fmt.Errorf("experiment config: give one experiment name (see 'evolve experiment list')")
					}
					e, err := experiments.Get(c.Args().First())
					if err != nil {
						return err
					}
					b, err := experiments.DefaultConfig(e.Name)
					if err != nil {
						return err
					}
					_, err = c.App.Writer.Write(b)
					return err
				},
			},
		},
	}
}

func runExperiment(c *cli.Context) (err error) {
	name := c.Args().First()
	if c.NArg() == 0 && c.String("redraw") != "" {
		// A redraw's experiment is the one its folder holds.
		if name, err = redrawnExperiment(c.String("redraw")); err != nil {
			return fmt.Errorf("experiment run: %w", err)
		}
	} else if c.NArg() != 1 {
		return fmt.Errorf("experiment run: give one experiment name (see 'evolve experiment list')")
	}
	e, err := experiments.Get(name)
	if err != nil {
		return err
	}
	if c.IsSet("seeds") && c.Int("seeds") < 1 {
		return fmt.Errorf("experiment run: --seeds %d: give at least 1 (leave it out for the experiment's default)", c.Int("seeds"))
	}
	var config []byte
	if path := c.String("config"); path != "" {
		if config, err = os.ReadFile(path); err != nil {
			return err
		}
	}
	out := c.String("out")
	if out == "" {
		out = filepath.Join("runs", uniqueName(e.Name+"-"))
	}
	if from := c.String("redraw"); from != "" {
		// Before --force may remove anything in --out.
		if same, err := sameFolder(from, out); err != nil {
			return fmt.Errorf("experiment run: --redraw %s: %w", from, err)
		} else if same {
			return fmt.Errorf("experiment run: --redraw %s: give another --out; a redraw leaves the run it redraws as it is", from)
		}
	}
	od, err := openOut(out, "meta.json", c.Bool("force"))
	if err != nil {
		return fmt.Errorf("experiment run: %w", err)
	}
	if c.Bool("force") {
		os.Remove(filepath.Join(out, "cells.json")) // start over
	}
	defer func() {
		_, statErr := os.Stat(filepath.Join(out, "cells.json"))
		if err != nil && (statErr != nil || c.String("redraw") != "") {
			od.Discard() // a failure before any finished cell, or of a redraw (a copy), leaves no folder
		}
	}()
	env := &experiments.Env{Out: out, Quick: c.Bool("quick"), Seeds: c.Int("seeds"), DataDir: c.String("data-dir"), Version: buildVersion()}
	if from := c.String("redraw"); from != "" {
		if config, err = prepareRedraw(c, e, from, config, env); err != nil {
			return fmt.Errorf("experiment run: %w", err)
		}
	}
	if !c.Bool("quiet") {
		env.Log = c.App.ErrWriter
	}
	rep, err := experiments.Run(e, config, env)
	if err != nil {
		return err
	}
	fmt.Fprint(c.App.Writer, experiments.Markdown(e, rep, env.Quick))
	fmt.Fprintf(c.App.Writer, "\nwrote %s\n", out)
	return nil
}
