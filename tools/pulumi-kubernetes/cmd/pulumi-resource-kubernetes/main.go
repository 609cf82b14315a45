// Command pulumi-resource-kubernetes serves the upstream Kubernetes provider.
//
// Upstream's main embeds schema-embed.json and terraform-mapping-embed.json, which its release
// pipeline generates and git ignores, so the module cannot be built as published. This main
// embeds schema.json and terraform-mapping.json, which scripts/tools.sh copies from the pinned
// provider module into a scratch copy of this directory before building.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var pulumiSchema []byte

//go:embed terraform-mapping.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
