// Command pulumi-tfgen-random generates the Pulumi schema of the bridged random provider at
// build time (scripts/tools.sh runs `schema`); nothing it writes is committed.
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	"lgtm-stack/tools/pulumi-random/provider"
)

func main() { tfgen.Main("random", provider.Info(nil)) }
