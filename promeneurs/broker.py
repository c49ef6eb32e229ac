"""The Redis transport of the Celery broker, with one fix: a worker survives the loss of Redis.

With celery 5.7 and kombu 5.7, a worker that holds messages not yet acknowledged — retries
waiting for their countdown (ETA), or a task being run with `acks_late` — died when Redis went
away: `Unrecoverable error: AttributeError("'NoneType' object has no attribute 'hostname'")`,
and nothing was consumed until someone restarted it (the same trace as kombu issue #582).

The cause, read in the worker's traceback: on a connection loss, the consumer first calls
`connection.collect()`, which closes the default channel — that channel tries to give its
unacknowledged messages back to Redis, fails (Redis is down: a connection error, ignored) — and
then drops the transport's `client`. The consumer then calls `connection.close()`, which closes
the same channel a second time; the channel tries again to give the messages back, needs a new
Redis client, and builds its parameters from the transport's `client`, which is now None: an
AttributeError, which is not a connection error, so it escapes `ignore_errors` and stops the
worker.

The fix: a channel whose transport is already closed raises a connection error instead. The
consumer ignores it, as it ignores the first one, and reconnects as soon as Redis is back. The
messages it could not give back stay in Redis's `unacked` set (when Redis kept its data) and are
restored after the visibility timeout; the outbox's sweep sends the rows they stood for long
before that (notifications/services.py: sending is idempotent).

Registered as the `redis://` transport when the Celery app is imported (promeneurs/celery.py), so
every process — web, worker, beat — uses it.
"""

from kombu import transport
from kombu.transport import redis as kombu_redis
from redis import exceptions as redis_errors

ALIAS = "promeneurs.broker:Transport"


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        if self.connection.client is None:
            raise redis_errors.ConnectionError("Le transport Redis est déjà fermé (connexion perdue).")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel


def register():
    """Make `redis://` broker URLs use this transport (idempotent)."""
    transport.TRANSPORT_ALIASES["redis"] = ALIAS
