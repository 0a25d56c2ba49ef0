// Command evolve trains networks with plasticity rules, learns the rules,
// and runs evolution and gradient descent side by side on the same
// fitness landscape. Run "evolve help" for the commands.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func main() {
	app := newApp(os.Stdout, os.Stderr)
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "evolve:", err)
		// A command's own exit status (e.g. 2 for a failed check) is kept.
		var ec cli.ExitCoder
		if errors.As(err, &ec) && ec.ExitCode() != 0 {
			os.Exit(ec.ExitCode())
		}
		os.Exit(1)
	}
}
