#!/usr/bin/python3
"""A hostile SMTP server for bench/run_hostile: every connection gets a
greeting that never ends: 2 KB continuation lines up to just under
delivery-svc's 16 KB reply budget, then silence, so that each session holds
as much reply memory as a server can make it hold, until its timeout.

    hostile_smtp.py --port PORT
"""
import argparse
import asyncio

LINE = b"220-" + b"x" * 1996 + b"\r\n"  # 2000 octets
LINES = 7  # 14 000 octets: below 16 KB, so the session keeps waiting


async def handle(reader, writer):
    try:
        for _ in range(LINES):
            writer.write(LINE)
        await writer.drain()
        await reader.read()  # until the client gives up
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    server = await asyncio.start_server(handle, "127.0.0.1", args.port, backlog=4096)
    async with server:
        await server.serve_forever()


asyncio.run(main())
