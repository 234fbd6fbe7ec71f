// Command confer is Confer's single binary: the server (serve) and the tools
// around it (token, keys, tenant, migrate). Commands only parse flags and call
// internal packages.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

func main() {
	root := &cobra.Command{
		Use:           "confer",
		Short:         "Confer: self-hosted Jitsi as a Service",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCmd(), migrateCmd(), tokenCmd(), keysCmd(), tenantCmd(), webhooksCmd(), brandingCmd(), membersCmd(), accountCmd(), nodeCmd(), billingCmd(), plansCmd(), loadtestCmd(), doctorCmd(), supportCmd(), recordingsCmd())
	if err := root.Execute(); err != nil {
		if _, quiet := err.(*exitError); !quiet {
			fmt.Fprintln(os.Stderr, "confer:", err)
		}
		os.Exit(exitCode(err))
	}
}

// exitError carries a specific exit status (e.g. 1 for a refused token) for
// a result the command has already printed.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func exitCode(err error) int {
	if e, ok := err.(*exitError); ok {
		return e.code
	}
	return 2
}

// selfCommand is how the user ran this binary, for printed hints.
func selfCommand() string {
	if exe := os.Args[0]; !strings.Contains(exe, "go-build") {
		return exe
	}
	return "go run ./cmd/confer"
}
