"""How an etcd client's operations end when the member cannot answer: never a meaningful fail."""

from __future__ import annotations

import pytest

from histcheck.history import FAIL, INFO
from histcheck.recorders.clusters import etcd
from histcheck.recorders.clusters.processes import free_port
from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.recording import Op


def test_a_cas_that_never_ran_is_info_not_fail_and_a_read_is_fail(
        monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setattr(etcd, "_reachable", lambda endpoint: None)
    session = etcd.EtcdSession(endpoint, serializable=False)
    # To the etcd model a failed CAS is a read that the value was not old: a refused one is not.
    assert session.perform(Op("cas", (3, 0), 1)).type is INFO
    assert session.perform(Op("write", 3, 1)).type is INFO
    assert session.perform(Op("read", None, 1)).type is FAIL
    assert not session.usable


def test_no_session_opens_to_a_member_that_refuses_connections() -> None:
    with pytest.raises(RecorderError):
        etcd.EtcdSession(f"http://127.0.0.1:{free_port()}", serializable=False)
