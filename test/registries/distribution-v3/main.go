// distribution v3's registry (github.com/distribution/distribution/v3), as its cmd/registry runs it
// (`registry serve config.yml`), with only what the differential suite (test/oracle) configures:
// filesystem storage, no auth. cmd/registry also links the S3, GCS and Azure drivers, whose SDKs
// took most of its cold build.
package main

import (
	"os"

	"github.com/distribution/distribution/v3/registry"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

func main() {
	if err := registry.RootCmd.Execute(); err != nil {
		os.Exit(1)
	}
}
