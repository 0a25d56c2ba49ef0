package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/evolve-toolkit/evolve/experiments"
)

func sweepCommand() *cli.Command {
	return &cli.Command{
		Name:      "sweep",
		Usage:     "run a grid of train or run configurations (parameters × seeds), whole or one shard",
		ArgsUsage: "FILE.toml",
		Description: `Runs every point of the grid in FILE.toml, or with --shard i/n only the points whose
index is i modulo n (shards are numbered from 0: --shard $SLURM_ARRAY_TASK_ID/10).

  command = "train"            # each point runs "train" (train/test accuracy, updates)
                               # or "run" (the final loss L(Ȳ) of every run)
  [base]                       # the base config: the keys of evolve train/run --config
  dataset = "halfspace"
  [grid]                       # dotted keys into [base], each with a list of values
  "network.rounds" = [1, 3]
  "network.nodes" = [100, 200]
  seeds = [1, 2, 3]            # or seeds = 3; they set network.seed (train) or seed (run)

Points are numbered from 0 like nested loops: the first grid key varies slowest,
the seed fastest. Each shard writes DIR/shard-i-of-n.csv (point, every grid
parameter, seed, results; one row per point) and shard-i-of-n.meta.json,
atomically after every point; rerunning an interrupted shard keeps the points
done and rewrites only its own files. Combine the shards with 'evolve merge DIR'.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "shard", Value: "0/1", Usage: "run shard i of n (0 ≤ i < n): the points with index ≡ i mod n"},
			&cli.StringFlag{Name: "out", Usage: "output folder shared by all shards (default: runs/sweep-NAME for FILE NAME.toml)"},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "list the points (of the shard) and exit"},
			&cli.StringFlag{Name: "data-dir", Usage: "folder of the IDX files for mnist/fashion (overrides data_dir)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"},
		},
		Action: runSweep,
	}
}

func runSweep(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("sweep: give one sweep file (FILE.toml)")
	}
	path := c.Args().First()
	sh, err := experiments.ParseShard(c.String("shard"))
	if err != nil {
		return err
	}
	s, err := experiments.ReadSweep(path)
	if err != nil {
		return err
	}
	for _, w := range s.Warnings { // also with --quiet and --dry-run, as evolve train warns
		fmt.Fprintf(c.App.ErrWriter, "sweep: %s\n", w)
	}
	s.DataDir = c.String("data-dir")
	out := c.String("out")
	if out == "" {
		out = filepath.Join("runs", "sweep-"+strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
	}
	points := sh.Points(s.Len())
	if c.Bool("dry-run") {
		return printPoints(c, s, sh, points, out)
	}
	env := &experiments.Env{Out: out, Version: buildVersion()}
	if !c.Bool("quiet") {
		env.Log = c.App.ErrWriter
	}
	rep, err := experiments.RunShard(s, sh, env)
	if err != nil {
		return err
	}
	if rep.Ran == 0 && rep.Resumed == rep.Points {
		fmt.Fprintf(c.App.Writer, "shard %s of %s: all %d points finished in an earlier run; %s left as it was\n", sh, path, rep.Points, rep.CSV)
		return nil
	}
	fmt.Fprintf(c.App.Writer, "shard %s of %s: %d points (%d run, %d kept from an earlier run); wrote %s and %s\n",
		sh, path, rep.Points, rep.Ran, rep.Resumed, rep.CSV, rep.Meta)
	return nil
}

func printPoints(c *cli.Context, s *experiments.Sweep, sh experiments.Shard, points []int, out string) error {
	w := c.App.Writer
	dims := make([]string, 0, len(s.Params)+1)
	for _, p := range s.Params {
		dims = append(dims, fmt.Sprint(len(p.Values)))
	}
	dims = append(dims, fmt.Sprintf("%d seeds", len(s.Seeds)))
	fmt.Fprintf(w, "sweep %s: command %s, %d points (%s), grid hash %.12s\n", s.Name, s.Command, s.Len(), strings.Join(dims, " × "), s.Hash)
	fmt.Fprintf(w, "shard %s: %d of %d points → %s\n\n", sh, len(points), s.Len(), filepath.Join(out, sh.Base()+".csv"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	h := s.Header()
	fmt.Fprintln(tw, strings.Join(h[:len(h)-len(s.Results)], "\t"))
	for _, i := range points {
		vals, sd := s.Point(i)
		fmt.Fprintf(tw, "%d\t%s%d\n", i, strings.Join(append(vals, ""), "\t"), sd)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nresult columns: %s\n", strings.Join(s.Results, ", "))
	return nil
}
