"""Sends tasks the way edx-platform does: each task to the queue its router picks.

argv[1]: a JSON list of {"task": name, "queue": queue or null, "service": "lms"|"cms", and
optionally "priority": a number}. With a null queue, the router decides: EXPLICIT_QUEUES first, else the service's default queue, as
openedx/core/lib/celery/routers.py does. EXPLICIT_QUEUES is what edx-platform's settings
define (E2E_PREDEFINED, JSON) after the block the function wrote (the file E2E_SETTINGS) ran
on top of them.
"""
import json
import os
import sys

from celery import Celery


def route(task, service, explicit):
    if task in explicit:
        return explicit[task]["queue"]
    return "edx.%s.core.default" % service


def main():
    sends = json.loads(sys.argv[1])
    explicit = {}
    settings = os.environ.get("E2E_SETTINGS")
    if settings:
        namespace = {}
        predefined = os.environ.get("E2E_PREDEFINED")
        if predefined:
            namespace["EXPLICIT_QUEUES"] = json.loads(predefined)
        with open(settings) as f:
            exec(compile(f.read(), settings, "exec"), namespace)
        explicit = namespace.get("EXPLICIT_QUEUES", {})
    app = Celery("sender", broker=os.environ["CELERY_BROKER_URL"])
    sent = []
    for s in sends:
        queue = s.get("queue") or route(s["task"], s["service"], explicit)
        options = {} if s.get("priority") is None else {"priority": s["priority"]}
        result = app.send_task(s["task"], queue=queue, routing_key=queue, **options)
        sent.append({"task": s["task"], "id": result.id, "queue": queue})
    print(json.dumps(sent))


main()
