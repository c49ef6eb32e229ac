"""The portal's PostgreSQL backend: Django's, with every wait on the server bounded (see base.py)."""
