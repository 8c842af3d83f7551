"""RPC mechanisms: marshaling, byte order, the stub generator, fragmentation, de-duplication."""

from __future__ import annotations

import random
import struct
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from histcheck.errors import UsageError
from histcheck.systems.rpc import (
    Codec,
    DedupTable,
    MarshalError,
    Reassembler,
    Type,
    compile_interface,
    fragment,
    parse,
)

INT32 = st.integers(-(2**31), 2**31 - 1)
INT64 = st.integers(-(2**63), 2**63 - 1)
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "int": INT32,
    "long": INT64,
    "double": st.floats(allow_nan=False),
    "bool": st.booleans(),
    "string": st.text(),
    "bytes": st.binary(),
}
CODECS = [Codec("big"), Codec("little")]


@pytest.mark.parametrize("name", sorted(VALUES))
@given(data=st.data())
def test_every_type_round_trips_between_big_and_little_endian_peers(name: str,
                                                                     data: st.DataObject) -> None:
    for typ, strategy in ((Type(name), VALUES[name]), (Type(name, True), st.lists(VALUES[name]))):
        value = data.draw(strategy)
        big, little = Codec("big").encode([typ], [value]), Codec("little").encode([typ], [value])
        assert big == little  # the same bytes on the wire, whatever the host order
        for sender in CODECS:
            for receiver in CODECS:
                assert receiver.decode([typ], sender.encode([typ], [value])) == [value]


def test_wire_is_network_byte_order() -> None:
    assert Codec("little").encode([Type("int")], [1]) == b"\x00\x00\x00\x01"
    assert Codec("little").encode([Type("long")], [-2]) == struct.pack("!q", -2)
    assert Codec("big").encode([Type("double")], [1.5]) == struct.pack("!d", 1.5)


def test_a_peer_that_skips_hton_is_misread() -> None:
    # What goes wrong without an agreed order: little-endian memory sent as is.
    raw = (258).to_bytes(4, "little", signed=True)
    assert Codec("big").decode([Type("int")], raw) == [33619968]


def test_marshal_errors() -> None:
    codec = Codec()
    with pytest.raises(MarshalError):
        codec.encode([Type("int")], [2**31])
    with pytest.raises(MarshalError):
        codec.decode([Type("long")], b"\x00\x01")
    with pytest.raises(MarshalError):
        codec.decode([Type("int")], b"\x00\x00\x00\x01\xff")
    with pytest.raises(MarshalError):
        codec.encode([Type("int")], ["7"])


NOTES_IDL = """
interface {
  int func1(int arg1);
  int func2(int arg1, int arg2);
};
"""


class Impl:
    def func1(self, arg1: int) -> int:
        return arg1 + 1

    def func2(self, arg1: int, arg2: int) -> int:
        return arg1 * arg2


class Loopback:
    """A channel straight into a skeleton, through bytes, counting calls."""

    def __init__(self, skeleton: Any) -> None:
        self.skeleton = skeleton
        self.calls: list[tuple[int, str, bytes]] = []

    def call(self, number: int, name: str, payload: bytes, decode: Any) -> Any:
        self.calls.append((number, name, payload))
        return decode(self.skeleton.dispatch(number, payload))


def test_stub_generator_on_the_notes_interface() -> None:
    stubs = compile_interface(NOTES_IDL)
    channel = Loopback(stubs.ServiceSkeleton(Impl(), Codec("little")))
    client = stubs.ServiceClient(channel, Codec("big"))
    assert client.func1(41) == 42
    assert client.func2(-6, 7) == -42
    assert channel.calls[1] == (2, "func2", struct.pack("!ii", -6, 7))
    assert [m.signature for m in stubs.INTERFACE.methods] == [
        "int func1(int arg1)", "int func2(int arg1, int arg2)"]
    with pytest.raises(LookupError):
        stubs.ServiceSkeleton(Impl()).dispatch(9, b"")


@pytest.mark.parametrize("bad", [
    "interface { int f(int x) };",  # missing semicolon after the method
    "interface { float f(int x); };",  # unknown type
    "interface { int f(void x); };",
    "interface { int f(int x); int f(int y); };",
    "int f(int x);",
])
def test_idl_errors_are_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError):
        parse(bad)


def test_idl_arrays_and_no_arguments() -> None:
    interface = parse("interface Names { string[] all(); void put(bytes b, double[] d); };")
    assert interface.name == "Names"
    assert interface.methods[0].returns == Type("string", True)
    assert interface.methods[1].params == (("b", Type("bytes")), ("d", Type("double", True)))


@given(data=st.binary(max_size=3000), mtu=st.integers(13, 200), seed=st.integers(0, 2**32))
def test_shuffled_duplicated_fragments_reassemble_once(data: bytes, mtu: int, seed: int) -> None:
    pieces = fragment(7, data, mtu)
    assert all(len(p) <= mtu for p in pieces)
    rng = random.Random(seed)
    arrivals = pieces + rng.sample(pieces, len(pieces) // 2)
    rng.shuffle(arrivals)
    reassembler = Reassembler()
    done = [r for p in arrivals if (r := reassembler.accept("a", p)) is not None]
    assert done == [(7, data)]
    assert reassembler.pending == 0


def test_missing_fragment_means_no_message_and_senders_are_kept_apart() -> None:
    reassembler = Reassembler()
    a, b = fragment(1, b"a" * 100, 40), fragment(1, b"b" * 100, 40)
    assert len(a) == 4 and all(reassembler.accept("a", p) is None for p in a[:-1])
    assert reassembler.accept("b", b[0]) is None
    assert reassembler.accept("a", a[-1]) == (1, b"a" * 100)
    with pytest.raises(ValueError):
        fragment(1, b"x", 12)


def test_dedup_table_executes_once() -> None:
    table = DedupTable()
    assert table.begin((1, 1)) is None
    assert table.begin((1, 1)) == b""  # in progress: do not execute again
    table.finish((1, 1), b"reply")
    assert table.begin((1, 1)) == b"reply"
    assert table.snapshot() == {(1, 1): b"reply"}
