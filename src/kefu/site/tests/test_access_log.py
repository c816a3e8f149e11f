"""No phone number or ID number reaches an access log line.

Phone numbers and ID numbers travel in query strings (the phone switch opens the intake
page with ?calling_number=…, the caller panel and the searches send what is typed); both
access logs, gunicorn's (``kefu serve``) and the development server's, write them out.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest

MOBILE = "13812345678"
LANDLINE = "0755-87654321"
ID_NUMBER = "11010519491231002X"

REQUESTS = [
    pytest.param(f"/tickets/new/?calling_number={MOBILE}&channel=hotline", id="screen-pop"),
    pytest.param(f"/tickets/new/caller/?contact_phone={LANDLINE}", id="caller-panel"),
    pytest.param(f"/customers/lookup/?q=%E5%BC%A0%E4%BC%9F+{MOBILE}", id="search"),
    pytest.param(f"/api/v1/customers/?id_number={ID_NUMBER}", id="id-number"),
    pytest.param(f"/api/v1/customers/?search=%2B86{MOBILE}", id="international"),
    pytest.param(f"/customers/?x={ID_NUMBER.lower()}", id="unknown-parameter"),
]
SECRETS = [MOBILE, LANDLINE, "87654321", ID_NUMBER, ID_NUMBER.lower(), "张伟"]


def assert_no_number(line: str) -> None:
    from urllib.parse import unquote_plus

    for secret in SECRETS:
        assert secret not in line and secret not in unquote_plus(line), line


def serve_config():
    """The gunicorn configuration `kefu serve` runs with: its settings module, then the
    options of its command line as gunicorn's own parser reads them."""
    from gunicorn.config import Config

    from kefu.site import gunicorn_conf
    from kefu.site.management.commands import serve

    argv = serve.gunicorn_argv("127.0.0.1:8000", workers=1, threads=1)
    assert argv[3:5] == ["--config", "python:kefu.site.gunicorn_conf"]
    config = Config()
    for name in ("timeout", "accesslog", "logger_class"):
        config.set(name, getattr(gunicorn_conf, name))
    options = config.parser().parse_args(argv[5:])
    for name in ("bind", "workers", "threads"):
        config.set(name, getattr(options, name))
    assert (config.bind, config.workers, config.threads) == (["127.0.0.1:8000"], 1, 1)
    assert options.args == ["kefu.config.wsgi:application"]
    return config


def gunicorn_line(tmp_path, monkeypatch, uri: str, referer: str = "-") -> str:
    config = serve_config()
    log_file = tmp_path / "access.log"
    config.set("accesslog", str(log_file))
    logger = config.logger_class(config)
    path, _, query = uri.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.10",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    request = SimpleNamespace(headers=[("REFERER", referer)])
    logger.access(response, request, environ, timedelta(milliseconds=12))
    for handler in logger.access_log.handlers:
        handler.flush()
    return log_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("uri", REQUESTS)
def test_gunicorn_access_log_has_no_number(tmp_path, monkeypatch, uri):
    line = gunicorn_line(tmp_path, monkeypatch, uri, referer=f"https://kefu.example.cn{uri}")
    assert line.startswith("192.0.2.10 ")
    assert " 200 512 " in line
    assert uri.split("?")[0] in line  # the path is kept
    assert_no_number(line)


def test_what_is_not_personal_is_kept(tmp_path, monkeypatch):
    line = gunicorn_line(tmp_path, monkeypatch, "/tickets/?queue=team&status=dispatched&page=2")
    assert "queue=team&status=dispatched&page=2" in line


@pytest.mark.parametrize("uri", REQUESTS)
def test_development_server_log_has_no_number(uri, settings):
    """``kefu serve --dev`` logs each request through the django.server logger."""
    import io
    import logging.config

    logging.config.dictConfig(settings.LOGGING)  # as django.setup() configures it
    logger = logging.getLogger("django.server")
    assert logger.handlers
    streams = []
    for handler in logger.handlers:
        stream = io.StringIO()
        old = handler.setStream(stream)
        streams.append((handler, stream, old))
    try:
        # as django.core.servers.basehttp.WSGIRequestHandler.log_message logs it
        logger.info('"%s" %s %s', f"GET {uri} HTTP/1.1", "200", "512")
    finally:
        for handler, _stream, old in streams:
            handler.setStream(old)
    written = "".join(stream.getvalue() for _handler, stream, _old in streams)
    assert uri.split("?")[0] in written
    assert_no_number(written)
