package lmtp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/loftmail/loft/server/directory"
)

// errNoPostmaster is the lookup failure for a postmaster address when the
// account Config.Postmaster names does not exist. It wraps
// directory.ErrNotFound, so the recipient is refused as unknown (550
// 5.1.1), and the session logs it as a configuration problem.
var errNoPostmaster = fmt.Errorf("%w: the postmaster account does not exist", directory.ErrNotFound)

// postmaster is the reserved local part of RFC 5321 §4.5.1.
const postmaster = "postmaster"

// resolve finds the account a recipient's mail goes to, trying in turn:
//
//  1. the whole address (the directory compares it case-insensitively);
//  2. the address without its detail, when it has one
//     ("alice+lists@example.org" goes to "alice@example.org");
//  3. for postmaster, the account whose login is postmasterLogin.
//
// Postmaster is the local part "postmaster" in any case, with or without
// a detail, at any domain or at none (RFC 5321 §4.5.1 requires both
// "<Postmaster>", which is the one path without a domain that go-smtp
// lets through, and postmaster at every domain the server serves). LMTP
// gets only the mail that its MTA routes here, so every domain it is
// handed is one Loft serves. An account that owns a postmaster address
// itself gets that address's mail, by step 1 or 2.
//
// The first lookup that finds an account wins. ErrNotFound from every
// lookup gives directory.ErrNotFound (errNoPostmaster for postmaster);
// any other directory error stops the search and is returned wrapped with
// directory.ErrUnavailable, so that a recipient is never refused as
// unknown because the directory failed.
func resolve(ctx context.Context, dir directory.Directory, a address, sep, postmasterLogin string) (*directory.Account, error) {
	var tries []func() (*directory.Account, error)
	if a.domain != "" {
		tries = append(tries, func() (*directory.Account, error) { return dir.LookupAddress(ctx, a.String()) })
		if b, ok := a.withoutDetail(sep); ok {
			tries = append(tries, func() (*directory.Account, error) { return dir.LookupAddress(ctx, b.String()) })
		}
	}
	isPostmaster := isPostmaster(a, sep)
	if isPostmaster {
		tries = append(tries, func() (*directory.Account, error) { return dir.LookupLogin(ctx, postmasterLogin) })
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
	if isPostmaster {
		return nil, fmt.Errorf("%w: %q for %s", errNoPostmaster, postmasterLogin, a)
	}
	return nil, fmt.Errorf("%w: %s", directory.ErrNotFound, a)
}

// isPostmaster reports whether a is postmaster's address: the local part
// "postmaster", in any case, with or without a detail.
func isPostmaster(a address, sep string) bool {
	if strings.EqualFold(a.local, postmaster) {
		return true
	}
	b, ok := a.withoutDetail(sep)
	return ok && strings.EqualFold(b.local, postmaster)
}
