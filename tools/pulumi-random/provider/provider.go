// Package provider describes the bridged random provider: upstream terraform-provider-random
// under the package name and tokens of @pulumi/random (random:index/randomPassword:RandomPassword).
package provider

import (
	pfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/terraform-providers/terraform-provider-random/shim"
)

// Version is set at build time from tools/versions.json.
var Version = "0.0.0"

// Info maps every resource to the index module; metadata is the bridge-metadata.json that
// tfgen wrote next to the schema (nil while tfgen itself runs).
func Info(metadata []byte) tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:            pfbridge.ShimProvider(shim.NewProvider()),
		Name:         "random",
		Version:      Version,
		License:      "Apache-2.0",
		Repository:   "https://github.com/pulumi/pulumi-random",
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
	}
	// No prefix to strip: "random_password" becomes RandomPassword, as in @pulumi/random.
	info.MustComputeTokens(tokens.SingleModule("", "index", tokens.MakeStandard("random")))
	return info
}
