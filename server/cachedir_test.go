package server

import (
	"path/filepath"
	"testing"
)

// TestCachePath checks where IMAP keeps parsed message structures:
// imap.cache_dir, or DATA/cache by default.
func TestCachePath(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, "data_dir = \"/srv/loft\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.CachePath(), filepath.Join("/srv/loft", "cache"); got != want {
		t.Errorf("default CachePath() = %q, want %q", got, want)
	}
	cfg, err = LoadConfig(writeConfig(t, "[imap]\ncache_dir = \"/var/cache/loft\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.CachePath(), "/var/cache/loft"; got != want {
		t.Errorf("CachePath() with imap.cache_dir = %q, want %q", got, want)
	}
	if got, want := cfg.IMAP.Listen, []string{"127.0.0.1:1143"}; len(got) != 1 || got[0] != want[0] {
		t.Errorf("imap.listen = %q, want the default %q", got, want)
	}
}
