package lmtp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/loftmail/loft/server/directory"
)

// resolve finds the account a recipient's mail goes to, trying in turn:
//
//  1. the whole address (the directory compares it case-insensitively);
//  2. the address without its detail, when it has one
//     ("alice+lists@example.org" goes to "alice@example.org");
//  3. for a path with no domain, which go-smtp lets through only as
//     <Postmaster> (RFC 5321 §4.1.1.3), the login name as given, then
//     lowered (Postmaster's case does not matter), then without detail.
//
// The first lookup that finds an account wins. ErrNotFound from every
// lookup gives directory.ErrNotFound; any other directory error stops the
// search and is returned wrapped with directory.ErrUnavailable, so that a
// recipient is never refused as unknown because the directory failed.
func resolve(ctx context.Context, dir directory.Directory, a address, sep string) (*directory.Account, error) {
	var tries []func() (*directory.Account, error)
	lookup := func(key string, byLogin bool) func() (*directory.Account, error) {
		if byLogin {
			return func() (*directory.Account, error) { return dir.LookupLogin(ctx, key) }
		}
		return func() (*directory.Account, error) { return dir.LookupAddress(ctx, key) }
	}
	if a.domain != "" {
		tries = append(tries, lookup(a.String(), false))
		if b, ok := a.withoutDetail(sep); ok {
			tries = append(tries, lookup(b.String(), false))
		}
	} else {
		tries = append(tries, lookup(a.local, true))
		if lower := strings.ToLower(a.local); lower != a.local {
			tries = append(tries, lookup(lower, true))
		}
		if b, ok := a.withoutDetail(sep); ok {
			tries = append(tries, lookup(b.local, true))
		}
	}
	for _, try := range tries {
		acct, err := try()
		switch {
		case err == nil:
			return acct, nil
		case errors.Is(err, directory.ErrNotFound):
			continue
		case errors.Is(err, directory.ErrUnavailable):
			return nil, err
		default:
			return nil, fmt.Errorf("%w: %v", directory.ErrUnavailable, err)
		}
	}
	return nil, fmt.Errorf("%w: %s", directory.ErrNotFound, a)
}
