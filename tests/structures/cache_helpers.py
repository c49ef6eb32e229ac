"""What the tests of the directory's caches share (cards, listing, profile)."""

import threading

from django.db import connection

from structures.enums import PromeneurStatus


def page_seen_meanwhile(visit, url):
    """The page another visitor gets now, from another connection (a thread): while this test holds
    a transaction open, that visitor sees the rows as they were before it."""
    seen = {}

    def visitor():
        try:
            seen["page"] = visit(url)[0]
        finally:
            connection.close()

    thread = threading.Thread(target=visitor)
    thread.start()
    thread.join()
    return seen["page"]


# Changes that make a promeneur no longer public, through their ordinary saves.


def suspend(promeneur):
    promeneur.change_status(PromeneurStatus.SUSPENDED)


def hide_structure(promeneur):
    promeneur.structure.is_public = False
    promeneur.structure.save()


def deactivate_account(promeneur):
    promeneur.user.is_active = False
    promeneur.user.save()
