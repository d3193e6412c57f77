# schema.py: parses and validates Sluice .sch protocol schema files (docs/protocol-schemas.md).
"""Parser and validator for the .sch schema language.

Every error is reported as `path:line: error: message` through SchemaError; the parser stops at
the first error of a file (later errors usually cascade from it).
"""

import difflib
import re

from schema_model import (CPP_KEYWORDS, FIELD_VERSIONS_RE, FLOAT_LITERAL_RE, IDENT_RE,
                          INT_LITERAL_RE, INTEGER_RANGES, NULLABLE_PRIMITIVES, PRIMITIVES,
                          RESERVED_MEMBERS, RESERVED_NAMES, RESERVED_TOP_LEVEL_MEMBERS, Block,
                          Field, SchemaError, SchemaFile, Struct, TypeRef, Versions)


def _parse_block_versions(path, line, text):
    m = re.match(r"^(\d+)(?:-(\d+))?$", text)
    if not m:
        raise SchemaError(path, line, f"versions={text}: expected versions=A-B")
    lo = int(m.group(1))
    hi = int(m.group(2)) if m.group(2) is not None else lo
    if hi < lo:
        raise SchemaError(path, line, f"versions={text}: the range is empty")
    if hi > 32767:
        raise SchemaError(path, line, f"versions={text}: versions are int16")
    return Versions(lo, hi)


def _parse_field_versions(path, line, what, text):
    m = FIELD_VERSIONS_RE.match(text)
    if not m:
        raise SchemaError(path, line, f"{what} '{text}': expected vA+, vA-B or vA")
    lo = int(m.group(1))
    if m.group(2) is None:
        return Versions(lo, lo)
    if m.group(2) == "+":
        return Versions(lo, None)
    hi = int(m.group(3))
    if hi < lo:
        raise SchemaError(path, line, f"{what} '{text}': the range is empty")
    return Versions(lo, hi)


def _check_identifier(path, line, what, name):
    if not IDENT_RE.match(name):
        raise SchemaError(path, line, f"{what} '{name}' is not a snake_case identifier")
    if name in CPP_KEYWORDS:
        raise SchemaError(path, line, f"{what} '{name}' is a C++ keyword")
    if name in RESERVED_NAMES or name.endswith("_t"):
        raise SchemaError(path, line, f"{what} '{name}' is reserved (it would hide a C++ name)")


def _parse_block_line(path, line, text):
    tokens = text.split()
    kind = tokens[0]
    if len(tokens) < 2:
        raise SchemaError(path, line, f"'{kind}' block needs a NAME")
    name = tokens[1]
    _check_identifier(path, line, "block name", name)
    attrs = {}
    for tok in tokens[2:]:
        if "=" not in tok:
            raise SchemaError(path, line, f"unexpected '{tok}' on the {kind} line (expected key=value)")
        k, v = tok.split("=", 1)
        if k in attrs:
            raise SchemaError(path, line, f"'{k}=' given twice")
        allowed = ("key", "versions", "flexible") if kind != "struct" else ("versions", "flexible")
        if k not in allowed:
            raise SchemaError(path, line, f"unknown attribute '{k}=' on a {kind} line "
                              f"(allowed: {', '.join(allowed)})")
        attrs[k] = v
    for required in (("key", "versions", "flexible") if kind != "struct" else ("versions", "flexible")):
        if required not in attrs:
            raise SchemaError(path, line, f"{kind} {name}: missing '{required}='")
    block = Block(name=name, line=line, kind=kind, base_name=name, path=path)
    if kind == "request":
        block.name = name + "_request"
    elif kind == "response":
        block.name = name + "_response"
    if kind != "struct":
        if not re.match(r"^\d+$", attrs["key"]):
            raise SchemaError(path, line, f"key={attrs['key']}: expected a non-negative integer")
        block.key = int(attrs["key"])
        if block.key > 32767:
            raise SchemaError(path, line, f"key={block.key}: API keys are int16")
    block.versions = _parse_block_versions(path, line, attrs["versions"])
    flex = attrs["flexible"]
    if flex == "none":
        block.flexible = None
    else:
        m = re.match(r"^(\d+)\+$", flex)
        if not m:
            raise SchemaError(path, line, f"flexible={flex}: expected flexible=F+ or flexible=none")
        block.flexible = int(m.group(1))
    block.valid = block.versions
    return block


def _parse_type(path, line, text):
    is_array = text.startswith("[]")
    base = text[2:] if is_array else text
    if base in PRIMITIVES:
        return TypeRef(is_array, base, None)
    if base.startswith("[]"):
        raise SchemaError(path, line, f"type '{text}': arrays of arrays are not supported")
    if not IDENT_RE.match(base):
        raise SchemaError(path, line, f"unknown type '{text}' (expected a primitive "
                          f"({' '.join(PRIMITIVES)}), []PRIM, SNAME or []SNAME)")
    _check_identifier(path, line, "struct name", base)
    return TypeRef(is_array, None, base)


def _parse_field_line(path, line, text):
    tokens = text.split()
    if len(tokens) < 3:
        raise SchemaError(path, line, f"expected 'NAME TYPE VERSIONS [null=..] [tag=N] [default=..]', "
                          f"got '{text}'")
    name, type_text, versions_text = tokens[0], tokens[1], tokens[2]
    _check_identifier(path, line, "field name", name)
    f = Field(name=name, type=_parse_type(path, line, type_text),
              versions=_parse_field_versions(path, line, "versions", versions_text), line=line)
    seen = set()
    for tok in tokens[3:]:
        if "=" not in tok:
            raise SchemaError(path, line, f"unexpected '{tok}' (options are null=, tag=, default=)")
        k, v = tok.split("=", 1)
        if k in seen:
            raise SchemaError(path, line, f"'{k}=' given twice")
        seen.add(k)
        if k == "null":
            f.nullable = _parse_field_versions(path, line, "null", v)
        elif k == "tag":
            if not re.match(r"^\d+$", v) or int(v) > 2**31 - 1:
                raise SchemaError(path, line, f"tag={v}: expected a non-negative integer")
            f.tag = int(v)
        elif k == "default":
            if v == "":
                raise SchemaError(path, line, "default= needs a value")
            f.default = v
        else:
            raise SchemaError(path, line, f"unknown option '{k}=' (options are null=, tag=, default=)")
    return f


def parse_file(path, text, stem):
    """Parses one .sch file into a SchemaFile; raises SchemaError on the first problem."""
    sf = SchemaFile(path=path, stem=stem)
    # stack[i] is the struct whose fields sit at nesting level i + 1.
    stack = []

    def close_to(depth, line):
        while len(stack) > depth:
            s = stack.pop()
            if not s.fields:
                if s.parent is None:
                    raise SchemaError(path, s.line, f"block '{s.name}' has no fields")
                close = difflib.get_close_matches(s.name, list(PRIMITIVES), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise SchemaError(path, s.line, f"unknown type '{s.name}'{hint}: not a primitive, "
                                  f"and no fields indented 2 more spaces follow to define a struct "
                                  f"of that name")

    for lineno, raw in enumerate(text.splitlines(), start=1):
        content = raw.split("#", 1)[0].rstrip()
        if not content.strip():
            continue
        stripped = content.lstrip(" ")
        lead = content[: len(content) - len(stripped)]
        if stripped.startswith("\t") or "\t" in lead:
            raise SchemaError(path, lineno, "tab in indentation (indent with 2 spaces per level)")
        if "\t" in stripped:
            raise SchemaError(path, lineno, "tab character (separate tokens with spaces)")
        indent = len(lead)
        if indent % 2 != 0:
            raise SchemaError(path, lineno, f"bad indentation: {indent} spaces is not a multiple of 2")
        level = indent // 2
        first = stripped.split()[0]
        if level == 0:
            if first not in ("request", "response", "struct"):
                raise SchemaError(path, lineno, f"expected a block line (request/response/struct), "
                                  f"got '{first}'")
            close_to(0, lineno)
            block = _parse_block_line(path, lineno, stripped)
            sf.blocks.append(block)
            stack.append(block)
            continue
        tokens = stripped.split()
        if first in ("request", "response", "struct") and len(tokens) >= 3 and "=" in tokens[2]:
            raise SchemaError(path, lineno, "block lines must not be indented")
        if not stack:
            raise SchemaError(path, lineno, "field line before any request/response/struct block")
        if level > len(stack):
            prev = stack[-1].fields[-1] if stack[-1].fields else None
            if prev is not None and prev.struct is None and level == len(stack) + 1:
                raise SchemaError(path, lineno, f"bad indentation: field '{prev.name}' has type "
                                  f"'{prev.type}' and cannot have nested fields")
            raise SchemaError(path, lineno, f"bad indentation: {indent} spaces, expected at most "
                              f"{2 * len(stack)}")
        close_to(level, lineno)
        parent = stack[-1]
        f = _parse_field_line(path, lineno, stripped)
        parent.fields.append(f)
        if f.type.struct_name is not None:
            f.struct = Struct(name=f.type.struct_name, line=lineno, parent=parent)
            stack.append(f.struct)
    close_to(0, None)
    if not sf.blocks:
        raise SchemaError(path, 1, "no request, response or struct block")
    for block in sf.blocks:
        _validate_block(block)
    return sf


def _validate_default(path, f):
    d = f.default
    if d is None:
        return
    t = f.type
    if d == "null":
        if f.nullable is None:
            raise SchemaError(path, f.line, f"field '{f.name}': default=null on a field that is "
                              f"never nullable (add null=VERSIONS)")
        return
    if t.is_array or t.struct_name is not None or t.prim in ("bytes", "records", "uuid"):
        raise SchemaError(path, f.line, f"field '{f.name}' of type '{t}': the only allowed default "
                          f"is null")
    if t.prim in INTEGER_RANGES:
        if not INT_LITERAL_RE.match(d):
            raise SchemaError(path, f.line, f"field '{f.name}': default={d} is not an integer")
        value = int(d, 0) if not d.startswith("-") else -int(d[1:], 0)
        lo, hi = INTEGER_RANGES[t.prim]
        if not lo <= value <= hi:
            raise SchemaError(path, f.line, f"field '{f.name}': default={d} is out of range for {t.prim}")
    elif t.prim == "bool":
        if d not in ("true", "false"):
            raise SchemaError(path, f.line, f"field '{f.name}': default={d}, expected true or false")
    elif t.prim == "float64":
        if not FLOAT_LITERAL_RE.match(d):
            raise SchemaError(path, f.line, f"field '{f.name}': default={d} is not a number")
    elif t.prim == "string":
        if any(ord(c) < 0x20 or ord(c) > 0x7e for c in d):
            raise SchemaError(path, f.line, f"field '{f.name}': default={d} has a non-printable "
                              f"or non-ASCII character")


def _validate_scope(block, struct, context, top_level, enclosing):
    """Checks one struct scope. `context` is the version range the struct is encoded in;
    `enclosing` lists the C++ names of the struct and every struct around it."""
    path = block.path
    struct.valid = context
    field_names = {}
    struct_names = {}
    tags = {}
    for f in struct.fields:
        if f.name in field_names:
            raise SchemaError(path, f.line, f"duplicate field '{f.name}' (first on line "
                              f"{field_names[f.name]})")
        field_names[f.name] = f.line
        if f.name in RESERVED_MEMBERS or (top_level and f.name in RESERVED_TOP_LEVEL_MEMBERS):
            raise SchemaError(path, f.line, f"field name '{f.name}' clashes with a generated member")
        if f.struct is not None:
            if f.struct.name in struct_names:
                raise SchemaError(path, f.line, f"struct '{f.struct.name}' is defined twice in the same "
                                  f"scope (first on line {struct_names[f.struct.name]})")
            struct_names[f.struct.name] = f.line
            if f.struct.name in enclosing:
                raise SchemaError(path, f.line, f"struct name '{f.struct.name}' equals the name of "
                                  f"an enclosing struct (C++ forbids a nested type named like its "
                                  f"enclosing class)")
    for sname, line in struct_names.items():
        if sname in field_names:
            raise SchemaError(path, line, f"struct name '{sname}' clashes with field '{sname}' "
                              f"(line {field_names[sname]}) in the same scope")
    for f in struct.fields:
        if f.name == block.name:
            raise SchemaError(path, f.line, f"field name '{f.name}' equals the block's C++ name")
        valid = f.versions.intersect(context)
        if valid is None:
            raise SchemaError(path, f.line, f"field '{f.name}' versions {f.versions} never overlap "
                              f"the enclosing versions {context}")
        f.valid = valid
        if f.nullable is not None:
            if not (f.type.is_array or f.type.struct_name is not None or
                    f.type.prim in NULLABLE_PRIMITIVES):
                raise SchemaError(path, f.line, f"field '{f.name}' of type '{f.type}' cannot be "
                                  f"nullable (only strings, bytes, records, arrays and structs)")
            f.null_valid = f.nullable.intersect(valid)
            if f.null_valid is None:
                raise SchemaError(path, f.line, f"field '{f.name}': null={f.nullable} never overlaps "
                                  f"the field's versions {valid}")
        if f.tag is not None:
            flex = block.flexible_range()
            if flex is None:
                raise SchemaError(path, f.line, f"field '{f.name}': tag={f.tag} in a block that is "
                                  f"never flexible (tagged fields exist only in flexible versions)")
            if not valid.subset_of(flex):
                raise SchemaError(path, f.line, f"field '{f.name}': tag={f.tag} outside flexible "
                                  f"versions: the field exists in {valid} but the block is flexible "
                                  f"only from v{block.flexible}")
            if f.tag in tags:
                raise SchemaError(path, f.line, f"duplicate tag={f.tag} (also on line {tags[f.tag]})")
            tags[f.tag] = f.line
        _validate_default(path, f)
        if f.struct is not None:
            _validate_scope(block, f.struct, valid, False, enclosing + [f.struct.name])


def _validate_block(block):
    _validate_scope(block, block, block.versions, True, [block.name])


def validate_files(files):
    """Cross-file checks: unique C++ names, unique API keys, request/response agreement."""
    names = {}
    requests = {}
    responses = {}
    for sf in files:
        for b in sf.blocks:
            if b.name in names:
                other = names[b.name]
                raise SchemaError(b.path, b.line, f"'{b.name}' is already defined at "
                                  f"{other.path}:{other.line}")
            names[b.name] = b
            table = requests if b.kind == "request" else responses if b.kind == "response" else None
            if table is not None:
                if b.key in table:
                    other = table[b.key]
                    raise SchemaError(b.path, b.line, f"API key {b.key} already has a {b.kind} block "
                                      f"at {other.path}:{other.line}")
                table[b.key] = b
    for key, resp in responses.items():
        req = requests.get(key)
        if req is None:
            continue
        if req.base_name != resp.base_name:
            raise SchemaError(resp.path, resp.line, f"response '{resp.base_name}' has key {key} but the "
                              f"request with that key is '{req.base_name}' ({req.path}:{req.line})")
        if req.versions != resp.versions or req.flexible != resp.flexible:
            raise SchemaError(resp.path, resp.line, f"response {resp.base_name} versions/flexible "
                              f"differ from the request's ({req.path}:{req.line}): a response always "
                              f"uses the request's version")
