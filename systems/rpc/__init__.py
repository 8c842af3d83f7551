"""Remote procedure calls: stub generator, marshaling, fragmentation, retry semantics, sockets."""

from histcheck.systems.rpc.fragment import Reassembler, fragment
from histcheck.systems.rpc.idl import Interface, Method, compile_interface, generate, parse
from histcheck.systems.rpc.marshal import Codec, MarshalError, Type
from histcheck.systems.rpc.retry import SEMANTICS, DedupTable, Policy

__all__ = [
    "SEMANTICS",
    "Codec",
    "DedupTable",
    "Interface",
    "MarshalError",
    "Method",
    "Policy",
    "Reassembler",
    "Type",
    "compile_interface",
    "fragment",
    "generate",
    "parse",
]
