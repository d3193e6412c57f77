# schema_model.py: the data model of parsed .sch schemas and wire-size bounds.
"""Schema data model (versions, types, fields, structs, blocks) shared by the parser and the
emitters, plus lower bounds on encoded sizes used to bound array counts."""

import re
from dataclasses import dataclass, field as dc_field
from typing import List, Optional

# Wire primitives: C++ type, fixed wire size (None when variable), whether null= is allowed.
PRIMITIVES = {
    "int8": ("int8_t", 1),
    "int16": ("int16_t", 2),
    "int32": ("int32_t", 4),
    "int64": ("int64_t", 8),
    "uint16": ("uint16_t", 2),
    "uint32": ("uint32_t", 4),
    "float64": ("double", 8),
    "bool": ("bool", 1),
    "uuid": ("::sluice::protocol::uuid", 16),
    "string": ("std::string", None),
    "bytes": ("::sluice::protocol::bytes", None),
    "records": ("::sluice::protocol::records", None),
}
INTEGER_RANGES = {
    "int8": (-(2**7), 2**7 - 1),
    "int16": (-(2**15), 2**15 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint16": (0, 2**16 - 1),
    "uint32": (0, 2**32 - 1),
}
NULLABLE_PRIMITIVES = {"string", "bytes", "records"}

CPP_KEYWORDS = set("""
alignas alignof and and_eq asm atomic_cancel atomic_commit atomic_noexcept auto bitand bitor bool
break case catch char char8_t char16_t char32_t class compl concept const consteval constexpr
constinit const_cast continue co_await co_return co_yield decltype default delete do double
dynamic_cast else enum explicit export extern false float for friend goto if inline int long
mutable namespace new noexcept not not_eq nullptr operator or or_eq private protected public
reflexpr register reinterpret_cast requires return short signed sizeof static static_assert
static_cast struct switch synchronized template this thread_local throw true try typedef typeid
typename union unsigned using virtual void volatile wchar_t while xor xor_eq final override
""".split())
# Member names the generated code declares itself, per scope.
RESERVED_MEMBERS = {"decode", "encode"}
RESERVED_TOP_LEVEL_MEMBERS = {"api_key", "min_version", "max_version", "first_flexible_version"}
# Names that would hide types or namespaces the generated code refers to.
RESERVED_NAMES = {"std", "sluice", "protocol"}

IDENT_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
FIELD_VERSIONS_RE = re.compile(r"^v(\d+)(\+|-(\d+))?$")
INT_LITERAL_RE = re.compile(r"^-?(?:0x[0-9a-fA-F]+|\d+)$")
FLOAT_LITERAL_RE = re.compile(r"^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$")


class SchemaError(Exception):
    def __init__(self, path, line, message):
        super().__init__(f"{path}:{line}: error: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Versions:
    """An inclusive version range; hi None means open-ended ("vA+")."""
    lo: int
    hi: Optional[int]

    def intersect(self, other):
        lo = max(self.lo, other.lo)
        his = [h for h in (self.hi, other.hi) if h is not None]
        hi = min(his) if his else None
        if hi is not None and lo > hi:
            return None
        return Versions(lo, hi)

    def contains(self, v):
        return v >= self.lo and (self.hi is None or v <= self.hi)

    def subset_of(self, other):
        if self.lo < other.lo:
            return False
        if other.hi is None:
            return True
        return self.hi is not None and self.hi <= other.hi

    def __str__(self):
        if self.hi is None:
            return f"v{self.lo}+"
        if self.hi == self.lo:
            return f"v{self.lo}"
        return f"v{self.lo}-{self.hi}"


@dataclass
class TypeRef:
    """A field type: a primitive, an array of a primitive or struct, or a single struct."""
    is_array: bool
    prim: Optional[str]          # primitive name, or None for a struct
    struct_name: Optional[str]   # nested struct name, or None

    def __str__(self):
        return ("[]" if self.is_array else "") + (self.prim or self.struct_name)


@dataclass
class Field:
    name: str
    type: TypeRef
    versions: Versions
    line: int
    nullable: Optional[Versions] = None
    tag: Optional[int] = None
    default: Optional[str] = None
    struct: Optional["Struct"] = None   # the nested struct for struct-typed fields
    # Filled by validation: the versions in which the field exists (clamped to the enclosing
    # range) and in which it may be null.
    valid: Optional[Versions] = None
    null_valid: Optional[Versions] = None

    @property
    def is_optional(self):
        """True when the C++ member is std::optional<...>: nullable in some version, except a
        single records value, which carries its own null flag."""
        if self.null_valid is None:
            return False
        return self.type.is_array or self.type.prim != "records"


@dataclass
class Struct:
    name: str
    line: int
    fields: List[Field] = dc_field(default_factory=list)
    parent: Optional["Struct"] = None
    valid: Optional[Versions] = None   # versions in which this struct is encoded

    def nested(self):
        return [f.struct for f in self.fields if f.struct is not None]


@dataclass
class Block(Struct):
    kind: str = "struct"               # request | response | struct
    base_name: str = ""                # the NAME on the block line
    key: Optional[int] = None
    versions: Versions = Versions(0, 0)
    flexible: Optional[int] = None     # first flexible version, None = never
    path: str = ""

    def flexible_range(self):
        return None if self.flexible is None else Versions(self.flexible, None)


@dataclass
class SchemaFile:
    path: str
    stem: str
    blocks: List[Block] = dc_field(default_factory=list)


def min_wire_size(struct, block, v):
    """The smallest encoding of `struct` at version v (used to bound array counts)."""
    flex = block.flexible is not None and v >= block.flexible
    total = 1 if flex else 0
    for f in struct.fields:
        if f.tag is not None or not f.valid.contains(v):
            continue
        total += field_min_wire_size(f, block, v, flex)
    return total


def field_min_wire_size(f, block, v, flex):
    t = f.type
    if t.is_array:
        return 1 if flex else 4
    if t.prim is not None:
        fixed = PRIMITIVES[t.prim][1]
        if fixed is not None:
            return fixed
        if t.prim == "string":
            return 1 if flex else 2
        return 1 if flex else 4
    if f.null_valid is not None and f.null_valid.contains(v):
        return 1
    return min_wire_size(f.struct, block, v)


def element_min_size(f, block):
    """A lower bound on one array element's encoded size over every version the field exists in."""
    lo = f.valid.lo
    hi = f.valid.hi
    best = None
    for v in range(lo, hi + 1):
        flex = block.flexible is not None and v >= block.flexible
        if f.type.struct_name is not None:
            size = min_wire_size(f.struct, block, v)
        else:
            fixed = PRIMITIVES[f.type.prim][1]
            size = fixed if fixed is not None else (
                (1 if flex else 2) if f.type.prim == "string" else (1 if flex else 4))
        best = size if best is None else min(best, size)
    return max(best or 1, 1)
