"""The template filters show phones with the one mask of kefu.core.phones."""

from kefu.core.phones import mask_phone
from kefu.customers.templatetags.customers import mask_phone as mask_phone_filter
from kefu.customers.templatetags.customers import pii


def test_the_phone_filter_is_the_one_mask():
    for raw in ("13812345678", "028-12345678", "028-87654321转12", "1234567"):
        assert mask_phone_filter(raw) == mask_phone(raw)
    assert mask_phone_filter("") == ""
    assert mask_phone_filter(None) == ""


def test_pii_shows_the_number_whole_or_masked():
    assert pii("028-12345678", True) == "028-12345678"
    assert pii("028-12345678", False) == "028****5678"
