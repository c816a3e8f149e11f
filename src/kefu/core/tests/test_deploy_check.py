"""`kefu check --deploy` under the production profile: Django's deployment checklist finds
nothing to warn about, and the profile turns the transport protections on."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

KEFU = str(Path(sys.executable).with_name("kefu"))


def run_kefu(tmp_path, *args, **environ):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "KEFU_", "SECURE_", "CSP_", "DATABASE_URL"))
        and key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    env |= {
        "KEFU_DATA_DIR": str(tmp_path),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "kefu.example.cn",
        **environ,
    }
    return subprocess.run(
        [KEFU, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )


def warnings_in(output: str) -> set[str]:
    return set(re.findall(r"\(([\w.]+\.[WE]\d+)\)", output))


def test_deploy_check_warns_about_nothing_in_the_production_profile(tmp_path):
    done = run_kefu(tmp_path, "check", "--deploy", KEFU_PROFILE="production")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert warnings_in(output) == set(), output  # the API schema's warnings included


def test_without_the_profile_the_checklist_names_what_is_off(tmp_path):
    done = run_kefu(tmp_path, "check", "--deploy")
    found = warnings_in(done.stdout + done.stderr)
    assert {"security.W004", "security.W008", "security.W012", "security.W016"} <= found


def test_the_production_profile_refuses_debug(tmp_path):
    done = run_kefu(tmp_path, "check", KEFU_PROFILE="production", DEBUG="true")
    assert done.returncode != 0
    assert "DEBUG must be false when KEFU_PROFILE=production" in done.stderr


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        pytest.param(
            {"KEFU_PROFILE": "production"},
            "True True 31536000 True False enforce",
            id="production",
        ),
        pytest.param(
            {
                "KEFU_PROFILE": "production",
                "SECURE_HSTS_SECONDS": "3600",
                "CSP_MODE": "report-only",
            },
            "True True 3600 True False report-only",
            id="production-trying-hsts-and-csp",
        ),
        pytest.param({}, "False False 0 False False off", id="one-machine"),
        pytest.param(
            {"SECURE_HSTS_SECONDS": "600", "CSP_MODE": "enforce", "SECURE_SSL_REDIRECT": "true"},
            "False True 600 False False enforce",
            id="switched-on-one-by-one",
        ),
    ],
)
def test_each_protection_is_switched_by_its_variable(tmp_path, environ, expected):
    shown = run_kefu(
        tmp_path,
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SECURE_HSTS_PRELOAD, s.CSP_MODE)",
        **environ,
    )
    assert shown.stdout.strip().splitlines()[-1] == expected, shown.stderr
