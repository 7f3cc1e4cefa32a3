package rfc5228

import "time"

// Action is one thing a script asks the delivery to do. The concrete types
// are Keep, FileInto, Redirect, Discard, Reject and Vacation; server/sieve
// executes them in the order of Result.Actions.
type Action interface {
	// Kind is the action's name as a script writes it: "keep",
	// "fileinto", "redirect", "discard", "reject", "ereject" or
	// "vacation".
	Kind() string
}

// Keep files the message into the user's default mailbox (RFC 5228 §4.3;
// a fileinto of that mailbox in the same Result is the same delivery,
// §2.10.3),
// with the flags of RFC 5232 §5 when imap4flags is in use (nil means the
// store's default: no flags). Implicit is true for the implicit keep
// (§2.10.2), which carries the internal flags variable's value at the end
// of the script (RFC 5232 §3).
type Keep struct {
	Flags    []string
	Implicit bool
}

// FileInto files the message into Mailbox (RFC 5228 §4.1), a name in UTF-8
// with the hierarchy separator the store uses. Flags are RFC 5232's, nil
// for none. Copy is RFC 3894's :copy (the implicit keep is not cancelled);
// Create is RFC 5490 §3.2's :create (create the mailbox if it does not
// exist).
type FileInto struct {
	Mailbox string
	Flags   []string
	Copy    bool
	Create  bool
}

// Redirect sends the message to Address (RFC 5228 §4.2), an addr-spec of
// RFC 5322 checked at compile time or, when it came from a variable, at run
// time. Copy is RFC 3894's :copy.
type Redirect struct {
	Address string
	Copy    bool
}

// Discard silently throws the message away (RFC 5228 §4.4): it only cancels
// the implicit keep, so it appears in Result.Actions for the record.
type Discard struct{}

// Reject refuses delivery with Reason (RFC 5429): Extended is false for
// "reject" (§2.2, a DSN/MDN is sent if the protocol cannot refuse) and true
// for "ereject" (§2.1, refuse at the protocol level when possible).
type Reject struct {
	Reason   string
	Extended bool
}

// Vacation asks for an auto-reply (RFC 5230 §4). Period is :days converted
// to a duration (default 7 days, §4.1) or RFC 6131's :seconds; the site's
// minimum and maximum are the delivery's to apply. Subject, From and
// Addresses are the tagged arguments after variable expansion ("" and nil
// when absent). Mime is :mime (Reason is then a MIME entity, headers
// included, §4.7). Handle is :handle or, when absent, the identity §4.2
// synthesises from :subject, :from, :mime and the reason as written in the
// script, before variable expansion: two vacation actions with the same
// Handle are the same response for the reply memory.
type Vacation struct {
	Period    time.Duration
	Subject   string
	From      string
	Addresses []string
	Mime      bool
	Handle    string
	Reason    string
}

// Kind returns "keep".
func (Keep) Kind() string { return "keep" }

// Kind returns "fileinto".
func (FileInto) Kind() string { return "fileinto" }

// Kind returns "redirect".
func (Redirect) Kind() string { return "redirect" }

// Kind returns "discard".
func (Discard) Kind() string { return "discard" }

// Kind returns "reject" or, when Extended, "ereject".
func (r Reject) Kind() string {
	if r.Extended {
		return "ereject"
	}
	return "reject"
}

// Kind returns "vacation".
func (Vacation) Kind() string { return "vacation" }
