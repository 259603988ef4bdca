#!/usr/bin/env python3
"""A minimal SMTP server for the end-to-end tests: accepts every message on
127.0.0.1 and writes each one, as received, to DIR/<n>.eml. Plain SMTP only
(the service is configured with tls = "none" for it).

    python3 tests/web/smtp_sink.py --port 2525 --dir /tmp/mail
"""

import argparse
import asyncio
import itertools
import pathlib

COUNTER = itertools.count(1)


async def session(reader, writer, out: pathlib.Path):
    def send(line: str):
        writer.write((line + "\r\n").encode())

    send("220 woonregister-test-sink ESMTP")
    await writer.drain()
    mail_from, rcpt_to = None, []
    while True:
        raw = await reader.readline()
        if not raw:
            break
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        verb = line[:4].upper()
        if verb in ("EHLO", "HELO"):
            send("250-woonregister-test-sink" if verb == "EHLO" else "250 woonregister-test-sink")
            if verb == "EHLO":
                send("250-8BITMIME")
                send("250 SMTPUTF8")
        elif verb == "MAIL":
            mail_from, rcpt_to = line[10:].strip(), []
            send("250 OK")
        elif verb == "RCPT":
            rcpt_to.append(line[8:].strip())
            send("250 OK")
        elif verb == "DATA":
            send("354 End data with <CR><LF>.<CR><LF>")
            await writer.drain()
            lines = []
            while True:
                data = await reader.readline()
                if not data or data in (b".\r\n", b".\n"):
                    break
                lines.append(data[1:] if data.startswith(b"..") else data)
            n = next(COUNTER)
            envelope = f"X-Sink-Mail-From: {mail_from}\r\nX-Sink-Rcpt-To: {', '.join(rcpt_to)}\r\n".encode()
            tmp = out / f".{n}.eml.part"
            tmp.write_bytes(envelope + b"".join(lines))
            tmp.rename(out / f"{n}.eml")
            send("250 OK: queued")
        elif verb == "RSET":
            mail_from, rcpt_to = None, []
            send("250 OK")
        elif verb == "NOOP":
            send("250 OK")
        elif verb == "QUIT":
            send("221 Bye")
            await writer.drain()
            break
        else:
            send("502 Command not implemented")
        await writer.drain()
    writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    out = pathlib.Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    server = await asyncio.start_server(lambda r, w: session(r, w, out), "127.0.0.1", args.port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
