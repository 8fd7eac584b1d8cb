from pathlib import Path

import pytest

from fordra.letters.channels import Channel, build_channels, choose_channel
from fordra.letters.channels.digital_mailbox import RecordingDigitalMailbox
from fordra.letters.channels.sms import FileSmsBackend
from tests.unit.letters.channels.factories import (
    PNR,
    PNR_OTHER,
    PORTAL_URL,
    company,
    person,
    protected_person,
)


@pytest.fixture
def channels(tmp_path: Path) -> dict[str, Channel]:
    return build_channels(
        out_dir=tmp_path / "out",
        sms_backend=FileSmsBackend(tmp_path / "sms.jsonl"),
        mailbox=RecordingDigitalMailbox({PNR}),
        portal_url=PORTAL_URL,
    )


def test_build_channels_names_every_channel_by_its_own_name(
    channels: dict[str, Channel],
) -> None:
    assert sorted(channels) == ["digital_mailbox", "email", "print", "protected_forwarding",
                                "sms"]
    assert all(channel.name == name for name, channel in channels.items())


def test_the_first_preferred_channel_that_reaches_the_recipient_is_chosen(
    channels: dict[str, Channel],
) -> None:
    assert choose_channel(["digital_mailbox", "email"], person(), channels) == "digital_mailbox"
    assert choose_channel(["email", "digital_mailbox"], person(), channels) == "email"


def test_preferred_channels_that_do_not_exist_or_cannot_reach_are_passed_over(
    channels: dict[str, Channel],
) -> None:
    not_in_mailbox = person(national_id=PNR_OTHER, email="")

    assert choose_channel(["fax", "digital_mailbox", "email", "sms"], not_in_mailbox,
                          channels) == "sms"


def test_when_no_preferred_channel_reaches_the_recipient_paper_is_used(
    channels: dict[str, Channel],
) -> None:
    assert choose_channel(["email"], company(email=""), channels) == "print"
    assert choose_channel([], person(), channels) == "print"


def test_a_protected_identity_is_only_ever_reached_through_forwarding(
    channels: dict[str, Channel],
) -> None:
    hidden = protected_person(national_id=PNR, email="tolvan@example.com", phone="0701234567",
                              address_lines=("Storgatan 1",))

    chosen = choose_channel(["digital_mailbox", "email", "sms", "print"], hidden, channels)

    assert chosen == "protected_forwarding"


def test_when_nothing_can_reach_the_recipient_the_error_names_channels_not_the_person(
    channels: dict[str, Channel],
) -> None:
    nowhere = person(national_id=PNR_OTHER, address_lines=(), email="", phone="")

    with pytest.raises(ValueError, match=r"^no channel can reach the recipient \(tried: email, "
                                         r"print\)$") as caught:
        choose_channel(["email"], nowhere, channels)

    assert "Tolvan" not in str(caught.value)
    assert PNR_OTHER not in str(caught.value)


def test_a_protected_identity_without_forwarding_cannot_be_reached(
    channels: dict[str, Channel],
) -> None:
    without_forwarding = {name: channel for name, channel in channels.items()
                          if name != "protected_forwarding"}

    with pytest.raises(ValueError, match="no channel can reach a protected identity"):
        choose_channel(["email"], protected_person(), without_forwarding)
