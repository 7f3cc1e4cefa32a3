package directory

import (
	"sync"
	"time"
)

// maxCacheEntries bounds the entries an LDAP directory's cache holds; when
// it is full, expired entries are dropped, and if none has expired, the
// whole cache.
const maxCacheEntries = 100_000

// ldapEntry is what the directory keeps of one account's entry.
type ldapEntry struct {
	dn   string
	acct *Account // shared: never changed once built; callers get a copy
}

// entryCache keeps looked-up entries for a fixed time, by key ("l:" login
// or "a:" canonical address). Only entries that were found are kept: an
// account created meanwhile is seen by the next lookup.
type entryCache struct {
	ttl time.Duration // 0: nothing is kept
	now func() time.Time

	mu sync.Mutex
	m  map[string]cachedEntry
}

type cachedEntry struct {
	e       *ldapEntry
	expires time.Time
}

func newEntryCache(ttl time.Duration) *entryCache {
	return &entryCache{ttl: ttl, now: time.Now, m: make(map[string]cachedEntry)}
}

func (c *entryCache) get(key string) *ldapEntry {
	if c.ttl <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ce, ok := c.m[key]
	if !ok {
		return nil
	}
	if !c.now().Before(ce.expires) {
		delete(c.m, key)
		return nil
	}
	return ce.e
}

func (c *entryCache) put(key string, e *ldapEntry) {
	if c.ttl <= 0 {
		return
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCacheEntries {
		for k, ce := range c.m {
			if !now.Before(ce.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxCacheEntries {
			clear(c.m)
		}
	}
	c.m[key] = cachedEntry{e: e, expires: now.Add(c.ttl)}
}

// forget drops every entry of the account with that login, whatever its key.
func (c *entryCache) forget(login string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, ce := range c.m {
		if ce.e.acct.Login == login {
			delete(c.m, k)
		}
	}
}

func (c *entryCache) clear() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}
