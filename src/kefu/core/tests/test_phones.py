"""The one phone mask, shown on the customer pages, exports, APIs and the public order
tracking page (pure)."""

import pytest

from kefu.core.phones import mask_phone


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        pytest.param("13812345678", "138****5678", id="mobile"),
        pytest.param("138-1234-5678", "138****5678", id="mobile-separators"),
        pytest.param("+86 138 1234 5678", "138****5678", id="mobile-country-code"),
        pytest.param("02887654321", "028****4321", id="landline"),
        pytest.param("028-12345678", "028****5678", id="landline-dash"),
        pytest.param("0755-1234567", "075****4567", id="landline-7-digit-local"),
        pytest.param("028-87654321转12", "028****4321", id="landline-extension-dropped"),
        pytest.param("87654321", "876*4321", id="eight-digits"),
        pytest.param("1234567", "*******", id="seven-digits-all-hidden"),
        pytest.param("95598", "*****", id="short-number-all-hidden"),
        pytest.param("", "", id="empty"),
    ],
)
def test_mask_phone(raw, masked):
    assert mask_phone(raw) == masked
