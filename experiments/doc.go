// Package experiments holds the named, seeded experiments that reproduce
// the figures and tables of "Learning with Plasticity Rules:
// Generalization and Robustness" and the appendix C analysis. Each
// experiment has a default configuration in configs/NAME.toml (embedded in
// the binary), a reduced --quick size that runs in seconds (used by the
// tests), and writes to its output folder: CSV tables with the mean and
// spread over seeds, figures (PNG and SVG), results.md — a Markdown table
// with the paper's number beside ours — and meta.json (config, seeds,
// version, timings).
//
// Experiments and cmd/evolve are the only packages that touch files,
// plots and the terminal.
package experiments
