"""What a promeneur's departure announces to the apps above (README, "Organisation du code").

`promeneur_leaving` is sent by `structures.services.promeneur_deactivate`, in its transaction, with
`promeneur` (locked) and `by`; a receiver returns how many of the promeneur's items it handed back
(referrals: their open requests, `referrals/departures.py`).
"""

from django.dispatch import Signal

promeneur_leaving = Signal()
