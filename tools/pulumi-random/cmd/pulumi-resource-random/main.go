// Command pulumi-resource-random serves the bridged random provider with the schema and bridge
// metadata that pulumi-tfgen-random generated into this directory during the build.
package main

import (
	"context"
	_ "embed"

	pfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	"lgtm-stack/tools/pulumi-random/provider"
)

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	pfbridge.Main(context.Background(), "random", provider.Info(metadata), pfbridge.ProviderMetadata{PackageSchema: schema})
}
