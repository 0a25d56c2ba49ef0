package main

import (
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

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
				ArgsUsage: "NAME",
				Description: `Runs the named experiment with its configuration (the embedded configs/NAME.toml, or
--config FILE) and writes CSV tables, figures, results.md (ours beside the paper's
numbers) and meta.json to --out (default runs/NAME-YYYYMMDD-HHMMSS). --quick runs a
reduced size in seconds; its numbers are not comparable with the paper.`,
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "quick", Usage: "reduced size (seconds)"},
					&cli.IntFlag{Name: "seeds", Usage: "number of seeds (default: the experiment's)"},
					&cli.StringFlag{Name: "out", Usage: "output folder"},
					&cli.StringFlag{Name: "config", Usage: "TOML config replacing the embedded one (see 'evolve experiment config NAME')"},
					&cli.StringFlag{Name: "data-dir", Usage: "folder of the IDX files for mnist/fashion"},
					&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"},
				},
				Action: runExperiment,
			},
			{
				Name:      "config",
				Usage:     "print an experiment's default configuration",
				ArgsUsage: "NAME",
				Action: func(c *cli.Context) error {
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

func runExperiment(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("experiment run: give one experiment name (see 'evolve experiment list')")
	}
	e, err := experiments.Get(c.Args().First())
	if err != nil {
		return err
	}
	var config []byte
	if path := c.String("config"); path != "" {
		if config, err = os.ReadFile(path); err != nil {
			return err
		}
	}
	out := c.String("out")
	if out == "" {
		out = filepath.Join("runs", e.Name+"-"+time.Now().UTC().Format("20060102-150405"))
	}
	env := &experiments.Env{Out: out, Quick: c.Bool("quick"), Seeds: c.Int("seeds"), DataDir: c.String("data-dir"), Version: buildVersion()}
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
