# gunicorn reads this file from its working directory (the image's /app, the project's root).
# The access log goes through a logger that removes the follow-up links' tokens from the paths
# (promeneurs/redaction.py): whoever holds such a link can read and withdraw a young person's request.
logger_class = "promeneurs.redaction.GunicornLogger"
