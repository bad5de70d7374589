#!/usr/bin/python3
"""Resolve a next hop and deliver one message through mxd, from Python.

    PYTHONPATH=build/python python3 mxd_deliver.py --resolver unix:/run/mxd/resolver.sock \\
        --delivery unix:/run/mxd/delivery.sock --from alice@example.org --to bob@example.com message.eml

Uses Debian's python3-grpcio and the stubs generated from proto/ (the build
writes them to build/python; docs/clients.md shows the protoc command).
Prints one JSON object per recipient; exits 0 if all were delivered, 75 if
any was deferred, 69 if any bounced.
"""
import argparse
import json
import os
import sys
import time

import grpc

from mxd.v1 import delivery_pb2, delivery_pb2_grpc, resolver_pb2, resolver_pb2_grpc

CHUNK = 64 * 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--resolver", default="unix:/run/mxd/resolver.sock")
    ap.add_argument("--delivery", default="unix:/run/mxd/delivery.sock")
    ap.add_argument("--from", dest="sender", required=True)
    ap.add_argument("--to", action="append", required=True)
    ap.add_argument("--nexthop")
    ap.add_argument("message")
    args = ap.parse_args()

    nexthop = args.nexthop or args.to[0].rsplit("@", 1)[1]
    resolver = resolver_pb2_grpc.ResolverStub(grpc.insecure_channel(args.resolver))
    answer = resolver.Resolve(resolver_pb2.ResolveRequest(nexthop=nexthop), timeout=30)
    if answer.status != resolver_pb2.RESOLVE_STATUS_OK:
        action = "bounced" if answer.status == resolver_pb2.RESOLVE_STATUS_PERMFAIL else "deferred"
        for rcpt in args.to:
            print(json.dumps({"address": rcpt, "action": action, "reason": answer.reason}))
        return 69 if action == "bounced" else 75

    size = os.path.getsize(args.message)
    envelope = delivery_pb2.Envelope(
        sender=args.sender, recipients=[delivery_pb2.Recipient(address=r) for r in args.to],
        nexthop=answer.effective_nexthop, routes=answer.routes, message_size=size,
        body_type=delivery_pb2.BODY_TYPE_UNSPECIFIED)
    if answer.HasField("route_signature"):  # route_key_file: pass it on untouched
        envelope.route_signature.CopyFrom(answer.route_signature)
    envelope.arrival_time.seconds = int(time.time())

    def stream():
        yield delivery_pb2.DeliverRequest(envelope=envelope)
        with open(args.message, "rb") as f:
            while chunk := f.read(CHUNK):
                yield delivery_pb2.DeliverRequest(chunk=chunk)

    delivery = delivery_pb2_grpc.DeliveryStub(grpc.insecure_channel(args.delivery))
    result = delivery.Deliver(stream(), timeout=600)
    actions = set()
    for o in result.outcomes:
        action = delivery_pb2.Action.Name(o.action).replace("ACTION_", "").lower()
        actions.add(action)
        print(json.dumps({"address": o.address, "action": action, "code": o.smtp_code,
                          "enhanced_status": o.enhanced_status, "reason": o.reason, "host": o.host, "ip": o.ip}))
    return 69 if "bounced" in actions else 75 if "deferred" in actions else 0


if __name__ == "__main__":
    sys.exit(main())
