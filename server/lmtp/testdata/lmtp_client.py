"""Deliver over LMTP with Python's smtplib and report every reply as JSON.

Usage: lmtp_client.py HOST PORT SOCKET
HOST and PORT reach the server over TCP, SOCKET over a Unix-domain socket.
"""

import json
import smtplib
import sys

host, port, sock = sys.argv[1], int(sys.argv[2]), sys.argv[3]
msg = b"From: Py <py@example.com>\r\nSubject: from python\r\n\r\nhello from smtplib\r\n"
out = {}

# sendmail: one known and one unknown recipient. The refused one is
# reported by RCPT; the data gets one reply, for the accepted one.
with smtplib.LMTP(host, port, timeout=60) as c:
    refused = c.sendmail("py@example.com", ["alice@example.org", "nobody@example.org"], msg)
    out["refused"] = {k: [v[0], v[1].decode()] for k, v in refused.items()}

# Two accepted recipients over the Unix socket: after the data, one reply
# per recipient (RFC 2033 4.2), read with getreply.
with smtplib.LMTP(sock, timeout=60) as c:
    c.ehlo()
    out["lhlo"] = c.esmtp_features
    out["mail"] = list(c.mail("py@example.com"))
    out["rcpt"] = [list(c.rcpt(r)) for r in ("alice@example.org", "nobody@example.org", "bob@example.org")]
    first = c.data(msg)
    second = c.getreply()
    out["data"] = [[first[0], first[1].decode()], [second[0], second[1].decode()]]

json.dump(out, sys.stdout, default=lambda b: b.decode() if isinstance(b, bytes) else str(b))
