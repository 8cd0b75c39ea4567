"""A stand-in for edx-platform's Celery apps (lms.celery, cms.celery).

It registers every task name the test sends (E2E_TASKS, comma-separated) and records, in the
Redis list E2E_RECORD on the broker's server, which worker node ran which task from which queue.
Nothing here imports Django or edx-platform: only what the worker command line needs.
"""
import json
import os

import redis
from celery import Celery


def make_app(service):
    broker = os.environ["CELERY_BROKER_URL"]
    app = Celery(service, broker=broker)
    # As edx-platform: tasks are acknowledged after they ran, one prefetched at a time.
    app.conf.task_acks_late = True
    app.conf.worker_hijack_root_logger = False
    recorder = redis.Redis.from_url(os.environ["E2E_RECORD_URL"])

    def record(self, *args, **kwargs):
        recorder.rpush(
            os.environ.get("E2E_RECORD", "e2e:ran"),
            json.dumps(
                {
                    "task": self.name,
                    "id": self.request.id,
                    "node": self.request.hostname,
                    "queue": (self.request.delivery_info or {}).get("routing_key"),
                }
            ),
        )

    for name in filter(None, os.environ.get("E2E_TASKS", "").split(",")):
        app.task(bind=True, name=name)(record)
    return app
