package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at link time (-ldflags "-X main.version=v1.2.3"); without
// it, the module version from the build information is used.
var version string

type versionCmd struct{}

// Run prints "loft VERSION GOVERSION".
func (c *versionCmd) Run(e *env) error {
	v := version
	if v == "" {
		v = "(devel)"
		if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
			v = info.Main.Version
		}
	}
	_, err := fmt.Fprintf(e.stdout, "loft %s %s\n", v, runtime.Version())
	return err
}
