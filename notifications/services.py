"""The outbox: record notifications with their event, send each one once, never lose one.

Recording: `notification_record` writes the rows in the caller's transaction and, once it commits,
hands their ids to the process's publisher (notifications/publisher.py), a thread that publishes one
`notifications.send` task per row. The visitor's request never waits on the broker: a broker that
refuses connections, or one that hangs (a frozen Redis), delays the e-mails, not the page. If the
publishing fails, it is logged; the rows stay pending and the sweep sends them later.

Sending: `notification_send(notification_id)`, run by the task, in three short steps.

1. Claim (a transaction): lock the row with `select_for_update(skip_locked=True)`, among pending
   rows — or rows left "sending" by a sender that died, whose lock is gone. Apply the recipient's
   preference (held for the daily digest, or skipped), give up once NOTIFICATION_RETRY_PERIOD_HOURS
   have passed since the first attempt (failed), else mark it sending, count the attempt, set its
   next attempt after the back-off, and commit: a task killed again and again (a poison message)
   is retried less and less often, and still ends up failed.
2. Send (a transaction): lock the row again, still with `skip_locked`, check it is still sending,
   send the e-mail and mark it sent, then commit. The e-mail only leaves while this transaction
   holds the row's lock, on a row that is not sent: two runs at once send one e-mail. A sender
   killed mid-way (SIGKILL, time limit) loses its connection, hence its lock: the row stays
   "sending", unlocked, and the next run — the message given back to the broker
   (`task_reject_on_worker_lost`), or the sweep — sends it. Only a crash between the SMTP server's
   acceptance and the commit, a few milliseconds, could send an e-mail twice; the deterministic
   Message-ID then lets mail clients drop the copy. The guarantee is "at least once": see the
   README, "Pannes et reprise".
3. On an error: back to pending with an exponential back-off capped at 30 minutes (the task
   retries at that time), for NOTIFICATION_RETRY_PERIOD_HOURS (72 h); then failed, counted in the
   admin's banner and in `/healthz`, with the admin's "Réessayer" action.

The sweep (`outbox_sweep`, every minute) re-enqueues the rows still waiting a minute after they
were due: those whose enqueue failed (broker down), whose message was lost, or whose sender died.
"""

import datetime
import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from .emails import NoAddress, build_message
from .enums import NOT_DIGESTED_KINDS, NotificationFrequency, is_mandatory
from .models import Heartbeat, Notification, NotificationEvent, NotificationPreference, NotificationStatus

logger = logging.getLogger(__name__)

# The name of the task that sends one notification (notifications/tasks.py); queued messages carry it.
SEND_NOTIFICATION_TASK = "notifications.tasks.send_notification"

EMAIL_ADDRESS = re.compile(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+")


# --- Recording ----------------------------------------------------------------------------------


def notification_record(
    *, kind, recipients=(), context, young_person_request=None, invitation=None, template=""
):
    """Write one outbox row per recipient, in the caller's transaction; send them after its commit.

    `recipients`: users (None and duplicates are dropped). `young_person_request`: a request whose
    young person is to be told (their address is read when sending, never stored here).
    `invitation`: an invitation whose invitee (no account yet) receives the link to create one.
    `context`: ids and non-confidential values only, serialisable as JSON.
    """
    now = timezone.now()
    users = list({user.pk: user for user in recipients if user is not None}.values())
    common = {
        "kind": kind,
        "context": dict(context),
        "template": template or f"emails/{kind}",
        "created_at": now,
        "next_attempt_at": now,
    }
    rows = [Notification(recipient=user, **common) for user in users]
    if young_person_request is not None:
        rows.append(
            Notification(
                recipient_request=young_person_request,
                **{**common, "template": template or f"emails/{kind}_young_person"},
            )
        )
    if invitation is not None:
        rows.append(Notification(recipient_invitation=invitation, **common))
    if not rows:
        return []
    rows = Notification.objects.bulk_create(rows)
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: notifications_publish_soon(ids))
    return rows


def notifications_publish_soon(ids: Iterable[int]):
    """Hand `ids` to this process's publisher thread; returns at once, whatever the broker does.

    The embedded default (no broker, tasks run eagerly) sends them here and now instead.
    """
    from promeneurs.celery import app

    from .publisher import publisher

    ids = list(ids)
    if app.conf.task_always_eager:
        notifications_enqueue(ids)
    elif ids:
        publisher.submit(ids)


def notifications_enqueue(ids: Iterable[int]):
    """Publish one send task per id; if the broker fails, log it and stop: the sweep takes over.

    Returns how many were published. Never raises. It waits on the broker (bounded by the
    broker's connect and socket timeouts): the publisher thread and the sweep call it, never a
    visitor's request.
    """
    from promeneurs.celery import app

    ids = list(ids)
    if not ids:
        return 0
    # The project's app, explicitly: a shared task resolves through Celery's "current app", which
    # any other Celery() created in the process (a test's client, say) would otherwise become.
    # The task is found by its name (registered when the app is ready, see apps.py).
    send_notification = app.tasks[SEND_NOTIFICATION_TASK]
    if app.conf.task_always_eager:
        # The embedded default (no broker): each task runs here and now, e-mail included.
        for pk in ids:
            try:
                send_notification.apply_async(args=[pk])
            except Exception:
                logger.exception("Échec de l’envoi immédiat de la notification %s.", pk)
        return len(ids)
    published = 0
    try:
        with app.producer_or_acquire() as producer:
            for pk in ids:
                send_notification.apply_async(args=[pk], producer=producer)
                published += 1
    except Exception:
        logger.warning(
            "Notifications non publiées (%d sur %d, ids %s) : le broker ne répond pas ; elles restent "
            "en attente et le balayage les enverra.",
            len(ids) - published,
            len(ids),
            ids[published:],
            exc_info=True,
        )
    return published


def notification_event_once(key):
    """Record the periodic event `key`; False if it was already recorded (then notify nobody).

    Call it inside the transaction that records the event's notifications.
    """
    try:
        with transaction.atomic():
            NotificationEvent.objects.create(key=key)
    except IntegrityError:
        return False
    return True


def notification_events_recorded(keys):
    """Which of `keys` were already recorded (one query)."""
    return set(NotificationEvent.objects.filter(key__in=list(keys)).values_list("key", flat=True))


def notification_record_once(key, *, kind, recipients, context) -> bool:
    """Record the periodic event `key` and its notifications to the active `recipients`, unless the
    event was recorded already or nobody can receive them (then it can be given once somebody
    can). Whether it was recorded now."""
    recipients = [user for user in recipients if user is not None and user.is_active]
    if not recipients:
        return False
    with transaction.atomic():
        if not notification_event_once(key):
            return False
        notification_record(kind=kind, recipients=recipients, context=context)
    return True


# --- Sending ------------------------------------------------------------------------------------


def retry_delay(attempts):
    """Seconds to wait after the `attempts`-th failed attempt: 1 min, 2, 4… capped at 30 min."""
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS
    return min(base * 2 ** max(attempts - 1, 0), settings.NOTIFICATION_RETRY_MAX_SECONDS)


def retry_period_over(row, now):
    """True once NOTIFICATION_RETRY_PERIOD_HOURS have passed since the row's first attempt."""
    period = datetime.timedelta(hours=settings.NOTIFICATION_RETRY_PERIOD_HOURS)
    return now >= row.retrying_since + period


def frequency_of(user_id):
    preference = NotificationPreference.objects.filter(user_id=user_id).values_list("frequency", flat=True)
    return preference.first() or NotificationFrequency.IMMEDIATELY


def _describe(error):
    """An error as the admin may show it: its class and message, without any e-mail address."""
    text = f"{type(error).__name__}: {error}"
    return EMAIL_ADDRESS.sub("[adresse masquée]", text)[:1000]


def _claim(notification_id, now):
    """Step 1: (row to send, None) or (None, why nothing is to be sent)."""
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status__in=(NotificationStatus.PENDING, NotificationStatus.SENDING))
            .first()
        )
        if row is None:
            status = Notification.objects.filter(pk=notification_id).values_list("status", flat=True).first()
            if status in (NotificationStatus.PENDING, NotificationStatus.SENDING):
                return None, "busy"  # another run holds it right now
            return None, status or "missing"
        if row.recipient_id is not None and not is_mandatory(row.kind, row.context):
            frequency = frequency_of(row.recipient_id)
            if frequency == NotificationFrequency.OFF:
                row.status = NotificationStatus.SKIPPED
                row.last_error = "Préférence : aucun e-mail."
                row.save(update_fields=["status", "last_error"])
                return None, "skipped"
            if frequency == NotificationFrequency.DAILY_DIGEST and row.kind not in NOT_DIGESTED_KINDS:
                row.status = NotificationStatus.HELD
                row.save(update_fields=["status"])
                return None, "held"
        if row.attempts and retry_period_over(row, now):
            row.status = NotificationStatus.FAILED
            if not row.last_error:
                row.last_error = "Envoi interrompu à chaque tentative."
            row.save(update_fields=["status", "last_error"])
            return None, "failed"
        row.status = NotificationStatus.SENDING
        row.attempts += 1
        if row.attempts == 1:
            row.retrying_since = now
        # No new attempt before the time limit of this one is over (see outbox_sweep), nor, if
        # this one is interrupted again and again, before the back-off.
        wait = max(
            settings.NOTIFICATION_SEND_TIME_LIMIT, retry_delay(row.attempts - 1) if row.attempts > 1 else 0
        )
        row.next_attempt_at = now + datetime.timedelta(seconds=wait)
        row.save(update_fields=["status", "attempts", "retrying_since", "next_attempt_at"])
        return row, None


def _deliver(notification_id):
    """Step 2: send while holding the row's lock; returns the outcome."""
    accepted_at = None
    try:
        with transaction.atomic():
            row = (
                Notification.objects.select_for_update(skip_locked=True)
                .filter(pk=notification_id, status=NotificationStatus.SENDING)
                .first()
            )
            if row is None:
                return "busy"  # taken over by another run between the two steps
            try:
                message = build_message(row)
            except NoAddress as reason:
                row.status = NotificationStatus.SKIPPED
                row.last_error = str(reason)
                row.save(update_fields=["status", "last_error"])
                return "skipped"
            message.send()
            # The SMTP server has accepted the message: from here to the commit is the window
            # where a crash sends it twice. It is kept to one UPDATE and the COMMIT.
            accepted_at = timezone.now()
            row.status = NotificationStatus.SENT
            row.sent_at = accepted_at
            row.last_error = ""
            row.save(update_fields=["status", "sent_at", "last_error"])
        return "sent"
    except DatabaseError:
        if accepted_at is None:
            raise
        # The database connection was lost while the message was being sent (or committed): the
        # message left, the row does not say so yet. Say it on a new connection rather than let
        # the sweep send it again.
        _mark_sent_after_connection_loss(notification_id, accepted_at)
        return "sent"


def _mark_sent_after_connection_loss(notification_id, accepted_at):
    """Record a sending the SMTP server accepted, retrying while the database comes back.

    Tries for NOTIFICATION_MARK_SENT_RETRY_SECONDS; if the database stays away longer, the error
    is raised, the row stays "sending" and is sent again later: the one duplicate the protocol
    cannot avoid (README, "Pannes et reprise").
    """
    deadline = time.monotonic() + settings.NOTIFICATION_MARK_SENT_RETRY_SECONDS
    pause = 0.2
    while True:
        connection.close()  # the broken one goes back to the pool, which discards it
        try:
            Notification.objects.filter(pk=notification_id, status=NotificationStatus.SENDING).update(
                status=NotificationStatus.SENT, sent_at=accepted_at, last_error=""
            )
            logger.warning(
                "Notification %s envoyée, enregistrée après une perte de connexion à la base.",
                notification_id,
            )
            return
        except DatabaseError:
            if time.monotonic() + pause > deadline:
                logger.error(
                    "Notification %s envoyée mais non enregistrée (base injoignable) : elle sera renvoyée.",
                    notification_id,
                )
                raise
            time.sleep(pause)
            pause = min(pause * 2, 2)


def _record_failure(notification_id, error):
    """Step 3: pending again after a back-off, or failed after the last attempt.

    Returns (status, seconds before the next attempt or None).
    """
    now = timezone.now()
    with transaction.atomic():
        row = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if row is None or row.status != NotificationStatus.SENDING:
            return "busy", None  # another run took the row over meanwhile
        row.last_error = _describe(error)
        delay = None
        if retry_period_over(row, now):
            row.status = NotificationStatus.FAILED
        else:
            row.status = NotificationStatus.PENDING
            delay = retry_delay(row.attempts)
            row.next_attempt_at = now + datetime.timedelta(seconds=delay)
        row.save(update_fields=["status", "last_error", "next_attempt_at"])
    return ("retry" if delay else "failed"), delay


@dataclass(frozen=True)
class SendOutcome:
    """What `notification_send` did: `status` ("sent", "held", "busy"…), and `retry_in` seconds."""

    status: str
    retry_in: int | None = None


def notification_send(*, notification_id, now=None):
    """Send one notification if it is still to be sent; idempotent, safe to run concurrently."""
    now = now or timezone.now()
    row, reason = _claim(notification_id, now)
    if row is None:
        return SendOutcome(reason)
    try:
        return SendOutcome(_deliver(notification_id))
    except Exception as error:
        logger.warning("Échec de l’envoi de la notification %s.", notification_id, exc_info=True)
        return SendOutcome(*_record_failure(notification_id, error))


def outbox_sweep(*, now=None, after_seconds=None, limit=5000):
    """Re-enqueue what is still waiting `after_seconds` (a minute) after it was due.

    The swept rows are marked due again from now, so that the next sweep does not enqueue them a
    second time while the workers are busy with a backlog. Returns how many were enqueued.
    """
    now = now or timezone.now()
    Heartbeat.beat(Heartbeat.SWEEP, now)
    if after_seconds is None:
        after_seconds = settings.NOTIFICATION_SWEEP_AFTER_SECONDS
    before = now - datetime.timedelta(seconds=after_seconds)
    ids = list(
        Notification.objects.due(before)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    Notification.objects.due(before).filter(pk__in=ids).update(next_attempt_at=now)
    logger.info("Balayage de la boîte d’envoi : %d notification(s) renvoyée(s) à la file.", len(ids))
    notifications_enqueue(ids)
    return len(ids)


def notifications_retry(*, queryset):
    """The admin's "Réessayer": failed rows start again, with all their attempts. Returns how many."""
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update()
            .filter(pk__in=queryset.values("pk"), status=NotificationStatus.FAILED)
            .values_list("pk", flat=True)
        )
        now = timezone.now()
        Notification.objects.filter(pk__in=ids).update(
            status=NotificationStatus.PENDING, attempts=0, retrying_since=now, next_attempt_at=now
        )
        transaction.on_commit(lambda: notifications_publish_soon(ids))
    return len(ids)


def notifications_purge(*, before):
    """Delete the notifications created before `before` and done with (retention); how many."""
    in_flight = (NotificationStatus.PENDING, NotificationStatus.SENDING, NotificationStatus.HELD)
    deleted, _ = Notification.objects.filter(created_at__lt=before).exclude(status__in=in_flight).delete()
    return deleted
