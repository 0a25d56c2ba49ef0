package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/evolve-toolkit/evolve/experiments"
)

func mergeCommand() *cli.Command {
	return &cli.Command{
		Name:      "merge",
		Usage:     "combine the shard CSVs of a sweep into results.csv and a summary over seeds",
		ArgsUsage: "DIR...",
		Description: `Reads the shard-i-of-n.csv files (and their .meta.json) of 'evolve sweep' in each
DIR (or named directly), checks that they come from the same sweep (the grid hash in
each meta) and that every point is there exactly once, and writes the rows sorted by
point index to --out (default DIR/results.csv, DIR the first argument). Beside it go
results-summary.csv, one row per combination of the grid parameters with the number
of seeds and the mean and standard deviation (n − 1; NaN for one seed) of every
result column, and results.meta.json (grid hash, sweep file, shards, version).
A missing point is an error that names it and its shard.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "merged table (default: DIR/results.csv)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not print the summary table"},
		},
		Action: runMerge,
	}
}

func runMerge(c *cli.Context) error {
	if c.NArg() == 0 {
		return fmt.Errorf("merge: give the sweep's output folder(s)")
	}
	m, err := experiments.Merge(c.Args().Slice()...)
	if err != nil {
		return err
	}
	out := c.String("out")
	if st, err := os.Stat(out); out != "" && err == nil && st.IsDir() {
		return fmt.Errorf("merge: --out %s is a folder; give the file of the merged table (e.g. %s)", out, filepath.Join(out, "results.csv"))
	}
	if out == "" {
		dir := c.Args().First()
		if filepath.Ext(dir) == ".csv" {
			dir = filepath.Dir(dir)
		}
		out = filepath.Join(dir, "results.csv")
	}
	summary, err := m.Write(out, buildVersion())
	if err != nil {
		return err
	}
	w := c.App.Writer
	if !c.Bool("quiet") {
		h, rows := m.Summary()
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(h, "\t"))
		const show = 40 // rows printed; the file has them all
		for _, r := range rows[:min(len(rows), show)] {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if len(rows) > show {
			fmt.Fprintf(w, "… %d more rows in %s\n", len(rows)-show, experiments.SummaryPath(out))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "merged %d points from %d shard files (grid hash %.12s); wrote %s and %s\n", len(m.Rows), len(m.Shards), m.Hash, out, summary)
	return nil
}
