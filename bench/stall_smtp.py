#!/usr/bin/python3
"""An SMTP server that stalls: it accepts every connection and never sends
a greeting, holding each client in its first wait (bench/run_memory_bench).

    stall_smtp.py --port PORT
"""
import argparse
import asyncio
import resource
import socket


async def main(port):
    held = []

    async def hold(reader, writer):
        held.append(writer)  # kept open, never written to
        await reader.read()  # until the client gives up
        writer.close()

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    server = await asyncio.start_server(hold, sock=sock, backlog=4096)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(main(ap.parse_args().port))
