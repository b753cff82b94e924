"""Whether a failed Notion call may have been applied travels on its error, not on the gateway (which
one process shares between threads and Streamlit sessions): another call cannot overwrite it."""

from __future__ import annotations

import threading

import pytest
from notion_client import APIResponseError
from notion_client.errors import HTTPResponseError

from data.notion.gateway import maybe_applied
from tests.data.conftest import fast_gateway
from tests.notion_fake import FakeNotion


def test_a_later_successful_call_does_not_erase_that_a_failed_write_may_have_landed(notion_fake: FakeNotion) -> None:
    pid = notion_fake.add_page({"Name": "Busy Paws"})
    gateway = fast_gateway(notion_fake, max_attempts=2)
    notion_fake.faults.queue("504", "504", methods=["PATCH"])  # a gateway answered: the write may be in
    with pytest.raises(HTTPResponseError) as caught:
        gateway.update_page(pid, {"Rating": {"number": 4.0}})
    assert gateway.page(pid) is not None  # another session's call succeeds meanwhile
    assert maybe_applied(caught.value) is True
    assert not hasattr(gateway, "maybe_applied")  # no shared flag to race on


def test_an_earlier_unsure_attempt_makes_the_whole_call_unsure(notion_fake: FakeNotion) -> None:
    pid = notion_fake.add_page({"Name": "Busy Paws"})
    gateway = fast_gateway(notion_fake, max_attempts=3)
    notion_fake.faults.queue("504", methods=["PATCH"])  # then Notion itself refuses the retry
    with pytest.raises(APIResponseError) as caught:
        gateway.update_page(pid, {"No Such Property": {"number": 4.0}})
    assert caught.value.status == 400
    assert maybe_applied(caught.value) is True  # the 504 attempt before it may have landed


def test_threads_sharing_a_gateway_each_get_their_own_answer(notion_fake: FakeNotion) -> None:
    pid = notion_fake.add_page({"Name": "Busy Paws"})
    gateway = fast_gateway(notion_fake, max_attempts=1)
    notion_fake.faults.queue("504", methods=["PATCH"])
    seen: dict[str, bool] = {}
    first_failed = threading.Event()

    def unsure_writer() -> None:
        try:
            gateway.update_page(pid, {"Rating": {"number": 4.0}})
        except HTTPResponseError as exc:
            first_failed.set()
            seen["unsure"] = maybe_applied(exc)

    def sure_writer() -> None:
        first_failed.wait(5)
        try:
            gateway.update_page(pid, {"Nope": {"number": 1.0}})
        except APIResponseError as exc:
            seen["sure"] = maybe_applied(exc)

    threads = [threading.Thread(target=unsure_writer), threading.Thread(target=sure_writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"unsure": True, "sure": False}
