module lgtm-stack/tools/tempo

go 1.26

require github.com/grafana/tempo v1.5.1-0.20250529124718-87c2dc380cec

tool github.com/grafana/tempo/cmd/tempo

// Repeated from Tempo's go.mod at that commit: `go build` of a dependency ignores its replaces.
replace (
	k8s.io/api => k8s.io/api v0.25.0
	k8s.io/client-go => k8s.io/client-go v0.25.0
)

// Tempo's memberlist fork (fixes not merged upstream).
replace github.com/hashicorp/memberlist => github.com/grafana/memberlist v0.3.1-0.20220708130638-bd88e10a3d91
