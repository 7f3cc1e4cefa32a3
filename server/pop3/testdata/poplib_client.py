"""A POP3 session with Python's poplib, for server/pop3's TestPoplib.

Usage: poplib_client.py HOST PORT USER PASSWORD [CAFILE]

With CAFILE the session starts with STLS, verifying the server's certificate
against CAFILE. It prints one JSON object: STAT, the UIDL listing, the
capabilities, every message as RETR returned it (base64 of the lines joined
with CRLF, and poplib's octet count), TOP 1 0, and the answers to DELE 1 and
QUIT.
"""

import base64
import json
import poplib
import ssl
import sys


def main():
    host, port, user, password = sys.argv[1:5]
    pop = poplib.POP3(host, int(port), timeout=30)
    out = {"greeting": pop.getwelcome().decode()}
    if len(sys.argv) > 5:
        ctx = ssl.create_default_context(cafile=sys.argv[5])
        pop.stls(context=ctx)
        out["tls"] = True
    out["capa"] = sorted(pop.capa().keys())
    pop.user(user)
    pop.pass_(password)
    count, size = pop.stat()
    out["stat"] = [count, size]
    out["uidl"] = [line.decode() for line in pop.uidl()[1]]
    out["retr"] = []
    for n in range(1, count + 1):
        _, lines, octets = pop.retr(n)
        body = b"\r\n".join(lines) + b"\r\n"
        out["retr"].append({"body": base64.b64encode(body).decode(), "octets": octets})
    if count:
        _, lines, _ = pop.top(1, 0)
        out["top"] = base64.b64encode(b"\r\n".join(lines) + b"\r\n").decode()
        out["dele"] = pop.dele(1).decode()
    out["quit"] = pop.quit().decode()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
