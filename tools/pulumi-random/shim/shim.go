// Package shim exposes terraform-provider-random's Plugin Framework provider, which upstream
// keeps in an internal package, to the Pulumi bridge.
package shim

import (
	tfprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/terraform-providers/terraform-provider-random/internal/provider"
)

// NewProvider returns the upstream provider.
func NewProvider() tfprovider.Provider { return provider.New() }
