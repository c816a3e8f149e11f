"""gunicorn's settings for ``kefu serve`` (``gunicorn -c python:kefu.site.gunicorn_conf``).

The bind address, the number of worker processes and their threads come from ``kefu serve``'s
options on gunicorn's command line. This module imports neither Django nor kefu's apps: the
gunicorn master only supervises, and each worker loads the application itself
(``kefu.config.wsgi:application``), so the master stays small.
"""

timeout = 120
accesslog = "-"
# no phone or ID number from a query string in the access log
logger_class = "kefu.core.logmask.GunicornLogger"
