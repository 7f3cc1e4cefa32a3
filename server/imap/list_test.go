package imap

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/google/go-cmp/cmp"
)

// TestListStatusUnselectable: RFC 5819 §2, a listed mailbox whose STATUS
// cannot be had because it cannot be selected gets no STATUS response and
// is listed \Noselect. Here its data directory is gone (as when a DELETE
// runs between the listing and the STATUS); the other mailbox keeps its
// STATUS, and the command completes with OK.
func TestListStatusUnselectable(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.login("alice", alicePassword)
	c.cmd("p1 CREATE gone")
	c.cmd("p2 CREATE kept (USE (\\Archive))")
	guid := env.mailbox("alice", "gone").GUID()
	if err := os.RemoveAll(filepath.Join(env.root, "store", "accounts", "alice", "boxes", guid)); err != nil {
		t.Fatal(err)
	}
	c.expect(`a1 LIST "" (gone kept) RETURN (STATUS (MESSAGES))`,
		`* LIST (\Noselect \HasNoChildren) "/" gone`,
		`* LIST (\HasNoChildren \Archive) "/" kept`,
		`* STATUS kept (MESSAGES 0)`,
		"a1 OK LIST completed")
	// The base LIST reads no status and lists it as the hierarchy has it.
	c.expect(`a2 LIST "" gone`, `* LIST (\HasNoChildren) "/" gone`, "a2 OK LIST completed")
}

// TestListOtherSession: what one session creates, subscribes and marks with
// a special use, another session's extended LIST reports at once.
func TestListOtherSession(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c1 := env.login("alice", alicePassword)
	c2 := env.login("alice", alicePassword)
	c1.expect(`a1 LIST (SUBSCRIBED) "" *`, "a1 OK LIST completed")
	c2.cmd("b1 CREATE Sent (USE (\\Sent))")
	c2.cmd("b2 SUBSCRIBE Sent")
	c2.cmd("b3 SUBSCRIBE Sent/2025")
	c1.expect(`a2 LIST (SUBSCRIBED SPECIAL-USE) "" * RETURN (STATUS (UIDNEXT))`,
		`* LIST (\HasNoChildren \Subscribed \Sent) "/" Sent`,
		`* STATUS Sent (UIDNEXT 1)`,
		"a2 OK LIST completed")
	c1.expect(`a3 LIST (SUBSCRIBED) "" Sent/%`,
		`* LIST (\NonExistent \HasNoChildren \Subscribed) "/" Sent/2025`,
		"a3 OK LIST completed")
}

// TestListGoIMAPClient: what go-imap's client makes of the extended LIST:
// CREATE with a special use, the attributes, CHILDINFO, and LIST-STATUS's
// STATUS joined to its LIST response.
func TestListGoIMAPClient(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c, err := imapclient.DialInsecure(env.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("alice", alicePassword).Wait(); err != nil {
		t.Fatal(err)
	}
	caps, err := c.Capability().Wait()
	if err != nil {
		t.Fatal(err)
	}
	for _, cap := range []imap.Cap{imap.CapListExtended, imap.CapListStatus, imap.CapSpecialUse, imap.CapCreateSpecialUse, imap.CapChildren} {
		if !caps.Has(cap) {
			t.Errorf("no %s in %v", cap, caps)
		}
	}
	if err := c.Create("Sent", &imap.CreateOptions{SpecialUse: []imap.MailboxAttr{imap.MailboxAttrSent}}).Wait(); err != nil {
		t.Fatal(err)
	}
	err = c.Create("All", &imap.CreateOptions{SpecialUse: []imap.MailboxAttr{imap.MailboxAttrAll}}).Wait()
	var ierr *imap.Error
	if !errors.As(err, &ierr) || ierr.Type != imap.StatusResponseTypeNo || ierr.Code != "USEATTR" {
		t.Errorf("CREATE All (USE (\\All)): %v, want NO [USEATTR]", err)
	}
	for _, cmd := range []*imapclient.Command{c.Create("Lists/go", nil), c.Subscribe("Lists/go"), c.Subscribe("Sent")} {
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	list, err := c.List("", "%", &imap.ListOptions{
		SelectSubscribed: true, SelectRecursiveMatch: true,
		ReturnChildren: true, ReturnSpecialUse: true,
		ReturnStatus: &imap.StatusOptions{NumMessages: true, UIDNext: true},
	}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	one := uint32(1)
	zero := uint32(0)
	want := []*imap.ListData{
		{Attrs: []imap.MailboxAttr{imap.MailboxAttrHasChildren}, Delim: '/', Mailbox: "Lists",
			ChildInfo: &imap.ListDataChildInfo{Subscribed: true}},
		{Attrs: []imap.MailboxAttr{imap.MailboxAttrHasNoChildren, imap.MailboxAttrSubscribed, imap.MailboxAttrSent}, Delim: '/', Mailbox: "Sent",
			Status: &imap.StatusData{Mailbox: "Sent", NumMessages: &zero, UIDNext: imap.UID(one)}},
	}
	// Lists is a level, not a mailbox: \NonExistent.
	want[0].Attrs = append([]imap.MailboxAttr{imap.MailboxAttrNonExistent}, want[0].Attrs...)
	if diff := cmp.Diff(want, list); diff != "" {
		t.Errorf("LIST (-want +got):\n%s", diff)
	}
}
