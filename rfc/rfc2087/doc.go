// Package rfc2087 implements the IMAP QUOTA extension: RFC 2087 and RFC
// 9208, which obsoletes it (the package keeps the number on Loft's list).
// It holds the resources of RFC 9208 §5 that Loft supports (STORAGE in
// units of 1024 octets, MESSAGE), the capabilities (§1, §9.1: QUOTA,
// QUOTASET, QUOTA=RES-STORAGE, QUOTA=RES-MESSAGE), the QUOTA and QUOTAROOT
// responses (§4.2) and the resource list of SETQUOTA (§4.1.3, §7).
//
// Status: full for STORAGE and MESSAGE, with the DELETED and
// DELETED-STORAGE status items (§4.1.4). MAILBOX and ANNOTATION-STORAGE
// (§5.3, §5.4) are not supported: SETQUOTA naming them is refused with NO.
// Each account is one quota root; its limits come from the directory, with
// a default from the configuration.
//
// Server side: server/imap/quota.go (GETQUOTA, GETQUOTAROOT, SETQUOTA, and
// the OVERQUOTA checks of APPEND and COPY), server/lmtp (452 4.2.2 or 552
// 5.2.2 for a delivery over quota), cmd/loft (`loft adm quota`).
// Transcripts: conformance/testdata/rfc2087/.
package rfc2087
