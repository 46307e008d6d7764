// compose-check validates a docker-compose file with compose-go, the loader Docker Compose itself uses:
// the Compose Specification JSON schema plus semantic checks (interpolation, references, profiles).
// No Docker engine is needed. Usage: compose-check -f docker-compose.yml [--profile sandbox]
// Prints the resolved project as JSON on success; exits 1 with the loader's message on failure.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

type stringList []string

func (s *stringList) String() string     { return fmt.Sprint(*s) }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	var files, profiles stringList
	flag.Var(&files, "f", "compose file (repeatable)")
	flag.Var(&profiles, "profile", "profile to enable (repeatable)")
	flag.Parse()
	opts, err := cli.NewProjectOptions(files,
		cli.WithOsEnv,
		cli.WithDotEnv,
		cli.WithProfiles(profiles),
		cli.WithName("kafka-crossvpc"),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := json.Marshal(project)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}
