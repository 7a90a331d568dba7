"""A real SMTP server (aiosmtpd) on loopback for rinnova's delivery tests.

Prints "listening PORT" once ready, then one JSON line per message accepted:
{"subject", "text", "html" (decoded), "from", "to", "data" (raw), "tls", "login"}. Options choose the security (none, starttls, tls),
authentication, scripted refusals (a 451 for the first N messages, or a 550 for all) and a slow
relay (--delay-ms: each message answered after its own delay, printed as soon as it arrived).
"""

import argparse
import asyncio
import email
import email.policy
import json
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--security", choices=["none", "starttls", "tls"], default="none")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--reject", action="store_true")
    p.add_argument("--delay-ms", type=int, default=0)
    a = p.parse_args()

    state = {"failures_left": a.fail_first}

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            if a.reject:
                return "550 5.7.1 Mailbox unavailable"
            if state["failures_left"] > 0:
                state["failures_left"] -= 1
                return "451 4.3.0 Try again later"
            login = None
            if session.auth_data is not None:
                login = session.auth_data.login.decode()
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            text = parsed.get_body(("plain",))
            html = parsed.get_body(("html",))
            record = {
                "subject": str(parsed["subject"]),
                "text": text.get_content() if text is not None else None,
                "html": html.get_content() if html is not None else None,
                "from": envelope.mail_from,
                "to": envelope.rcpt_tos,
                "data": envelope.content.decode("utf-8", "replace"),
                "tls": server.transport.get_extra_info("ssl_object") is not None,
                "login": login,
            }
            print(json.dumps(record), flush=True)
            if a.delay_ms:
                # Messages of a batch end one after the other: 1×, 2×, … 4× the delay.
                state["n"] = state.get("n", 0) + 1
                await asyncio.sleep(a.delay_ms * (1 + state["n"] % 4) / 1000)
            return "250 2.0.0 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == a.user
            and auth_data.password.decode() == a.password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    context = None
    if a.security != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    kwargs = {}
    if a.user:
        kwargs.update(
            authenticator=authenticator,
            auth_required=True,
            auth_require_tls=a.security != "none",
        )
    if a.security == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    elif a.security == "tls":
        kwargs.update(ssl_context=context)
    controller = Controller(
        Handler(), hostname="127.0.0.1", port=port, ready_timeout=10, **kwargs
    )
    controller.start()
    print(f"listening {port}", flush=True)
    try:
        # Lives until the test kills it (or closes its stdin).
        while sys.stdin.read(1):
            pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
