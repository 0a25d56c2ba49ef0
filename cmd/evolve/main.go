// Command evolve trains networks with plasticity rules, learns the rules,
// and runs evolution and gradient descent side by side on the same
// fitness landscape. Run "evolve help" for the commands.
package main

import (
	"fmt"
	"os"
)

func main() {
	app := newApp(os.Stdout, os.Stderr)
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "evolve:", err)
		os.Exit(1)
	}
}
