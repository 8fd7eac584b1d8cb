"""The module docstrings are the spec, and junk never crashes a parser with a foreign error."""

import doctest
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fordra.letters import channels
from fordra.letters.channels import Recipient, digital_mailbox, print_batch, sms
from fordra.letters.channels.digital_mailbox import mailbox_recipient_id
from fordra.letters.channels.sms import gsm_length, normalise_phone

MODULES = [channels, digital_mailbox, print_batch, sms]
NEAR_MISSES = st.text(alphabet="0123456789 -+().\u00a0\t\nSE٣", max_size=30)


@pytest.mark.parametrize("module", MODULES, ids=[m.__name__ for m in MODULES])
def test_the_examples_in_the_module_docstring_hold(module: ModuleType) -> None:
    failures, _ = doctest.testmod(module, verbose=False, report=True)
    assert failures == 0


@given(text=st.one_of(st.text(max_size=60), NEAR_MISSES))
def test_a_phone_number_is_e164_or_a_value_error(text: str) -> None:
    try:
        e164 = normalise_phone(text)
    except ValueError:
        return
    assert e164.startswith("+")
    assert e164[1:].isascii() and e164[1:].isdigit()
    assert 8 <= len(e164) - 1 <= 15


@given(text=st.one_of(st.text(max_size=60), NEAR_MISSES), is_company=st.booleans())
def test_a_mailbox_id_is_made_or_a_value_error(text: str, is_company: bool) -> None:
    recipient = Recipient(name="X", national_id=text, is_company=is_company, address_lines=())
    try:
        mailbox_id = mailbox_recipient_id(recipient)
    except ValueError:
        return
    assert len(mailbox_id) == (14 if is_company else 12)


@given(text=st.text(max_size=200))
def test_gsm_length_is_never_shorter_than_the_text(text: str) -> None:
    length = gsm_length(text)
    assert length is None or len(text) <= length <= 2 * len(text)
