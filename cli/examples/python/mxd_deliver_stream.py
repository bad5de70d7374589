#!/usr/bin/python3
"""Deliver many messages through mxd on one DeliverStream, from Python: what
a queue manager does with a batch.

    PYTHONPATH=build/python python3 mxd_deliver_stream.py --resolver unix:/run/mxd/resolver.sock \\
        --delivery unix:/run/mxd/delivery.sock --from alice@example.org --to bob@example.com \\
        one.eml two.eml three.eml

Each file is one message to the same recipients. The next hop is resolved
once; the messages then go out on one stream, in parts of 64 KiB, no
more in flight than the service allows (its mxd-stream-message-limit
header), and each message's outcomes are printed as soon as they arrive:
one JSON object per message and recipient. A message that failed as a
whole carries "error" and "nothing_sent" (true: it may go to another
replica at once; false: its outcome is unknown, so defer it). Exits 0 if
all were delivered, 75 if any was deferred or failed, 69 if any bounced.
"""
import argparse
import json
import os
import queue
import sys
import threading
import time

import grpc

from mxd.v1 import delivery_pb2, delivery_pb2_grpc, resolver_pb2, resolver_pb2_grpc

PART = 64 * 1024
TIMEOUT = 600  # seconds per message


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--resolver", default="unix:/run/mxd/resolver.sock")
    ap.add_argument("--delivery", default="unix:/run/mxd/delivery.sock")
    ap.add_argument("--from", dest="sender", required=True)
    ap.add_argument("--to", action="append", required=True)
    ap.add_argument("--nexthop")
    ap.add_argument("messages", nargs="+")
    args = ap.parse_args()

    nexthop = args.nexthop or args.to[0].rsplit("@", 1)[1]
    resolver = resolver_pb2_grpc.ResolverStub(grpc.insecure_channel(args.resolver))
    answer = resolver.Resolve(resolver_pb2.ResolveRequest(nexthop=nexthop), timeout=30)
    if answer.status != resolver_pb2.RESOLVE_STATUS_OK:
        action = "bounced" if answer.status == resolver_pb2.RESOLVE_STATUS_PERMFAIL else "deferred"
        for m in args.messages:
            for rcpt in args.to:
                print(json.dumps({"message": m, "address": rcpt, "action": action, "reason": answer.reason}))
        return 69 if action == "bounced" else 75

    def envelope_for(path):
        env = delivery_pb2.Envelope(
            queue_id=os.path.basename(path), sender=args.sender,
            recipients=[delivery_pb2.Recipient(address=r) for r in args.to],
            nexthop=answer.effective_nexthop, routes=answer.routes, message_size=os.path.getsize(path),
            body_type=delivery_pb2.BODY_TYPE_UNSPECIFIED)
        if answer.HasField("route_signature"):  # route_key_file: pass it on untouched
            env.route_signature.CopyFrom(answer.route_signature)
        env.arrival_time.seconds = int(time.time())
        return env

    # The window opens once the service named its limit.
    window = threading.Semaphore(0)
    outgoing = queue.Queue()
    delivery = delivery_pb2_grpc.DeliveryStub(grpc.insecure_channel(args.delivery))

    def feed():
        while (req := outgoing.get()) is not None:
            yield req

    responses = delivery.DeliverStream(feed())
    limit = int(dict(responses.initial_metadata()).get("mxd-stream-message-limit", "1"))
    for _ in range(limit):
        window.release()

    def produce():
        for i, path in enumerate(args.messages, 1):
            window.acquire()  # room in the window
            with open(path, "rb") as f:
                content = f.read()
            for offset in range(0, max(len(content), 1), PART):
                req = delivery_pb2.StreamRequest(id=i, content=content[offset:offset + PART])
                if offset == 0:
                    req.envelope.CopyFrom(envelope_for(path))
                    req.timeout.seconds = TIMEOUT
                req.last = offset + PART >= len(content)
                outgoing.put(req)
        outgoing.put(None)  # no more messages: the stream ends once all are answered

    threading.Thread(target=produce, daemon=True).start()
    actions = set()
    for r in responses:
        window.release()
        path = args.messages[r.id - 1]
        if r.code != 0:
            actions.add("failed")
            for rcpt in args.to:
                print(json.dumps({"message": path, "address": rcpt, "error": r.error, "grpc_code": r.code,
                                  "nothing_sent": r.nothing_sent}), flush=True)
            continue
        for o in r.result.outcomes:
            action = delivery_pb2.Action.Name(o.action).replace("ACTION_", "").lower()
            actions.add(action)
            print(json.dumps({"message": path, "address": o.address, "action": action, "code": o.smtp_code,
                              "enhanced_status": o.enhanced_status, "reason": o.reason, "host": o.host,
                              "ip": o.ip}), flush=True)
    return 69 if "bounced" in actions else 75 if actions - {"delivered"} else 0


if __name__ == "__main__":
    sys.exit(main())
