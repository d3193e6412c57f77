# cpp_codec.py: emits the C++ structs (<stem>.h) and their decode/encode bodies (<stem>.cc).
"""C++ codec emitter: one header with the structs, one source file with the codecs."""

from cpp_common import (GENERATED_NOTE, NS, Lines, cpp_type, default_expr, element_type,
                        flex_expr, full_name, initializer, null_cond, qualified, version_cond,
                        versions_text, walk_structs)
from schema_model import PRIMITIVES, element_min_size

FAIL = "{ r.fail(); return false; }"


def _fixed(prim):
    return PRIMITIVES[prim][1] is not None


# ---------------------------------------------------------------------------------------------
# Header


def _emit_struct_decl(out, block, struct, top):
    if top:
        what = {"request": "request", "response": "response", "struct": "struct"}[block.kind]
        key = f" (key {block.key})" if block.key is not None else ""
        flex = f"flexible from v{block.flexible}" if block.flexible is not None else "never flexible"
        out.add(f"// {block.base_name} {what}{key}, versions {block.versions.lo}-{block.versions.hi}, "
                f"{flex}.")
    out.open(f"struct {struct.name} {{")
    if top:
        if block.key is not None:
            out.add(f"static constexpr int16_t api_key = {block.key};")
        out.add(f"static constexpr int16_t min_version = {block.versions.lo};")
        out.add(f"static constexpr int16_t max_version = {block.versions.hi};")
        first = block.flexible if block.flexible is not None else -1
        out.add(f"static constexpr int16_t first_flexible_version = {first};")
        out.add()
    for n in struct.nested():
        _emit_struct_decl(out, block, n, False)
        out.add()
    for f in struct.fields:
        out.add(f"{cpp_type(f)} {f.name}{{{initializer(f)}}};  // {versions_text(f)}")
    out.add()
    if top:
        out.add("// Decodes the body for `version` (REQUIRES nothing of *this: it is reset first).")
        out.add("// Returns false if the bytes are malformed or the version is out of range; never")
        out.add("// throws, never allocates more than the input could justify. Records stay views")
        out.add("// into the reader's bytes.")
    out.add(f"bool decode({NS}::reader& r, int16_t version);")
    if top:
        out.add("// Appends the encoded body for `version` to `w`.")
    out.add(f"void encode({NS}::writer& w, int16_t version) const;")
    out.add(f"bool operator==(const {qualified(struct)}&) const = default;")
    out.close("};")


def emit_header(sf, src, include_dir):
    out = Lines()
    out.add(f"// {sf.stem}.h: {GENERATED_NOTE.format(src=src)}")
    out.add("#pragma once")
    out.add()
    for inc in ("<cstdint>", "<optional>", "<string>", "<vector>"):
        out.add(f"#include {inc}")
    out.add()
    for inc in ("protocol/reader.h", "protocol/records_field.h", "protocol/types.h",
                "protocol/writer.h"):
        out.add(f'#include "{inc}"')
    out.add()
    out.add("namespace sluice::protocol {")
    out.add()
    for b in sf.blocks:
        _emit_struct_decl(out, b, b, True)
        out.add()
    out.add("}  // namespace sluice::protocol")
    return out.text()


# ---------------------------------------------------------------------------------------------
# Decoding


def _decode_prim(out, prim, target, r, optional, nullc):
    if _fixed(prim):
        out.add(f"{target} = {r}.read_{prim}();")
    elif prim == "records":
        out.add(f"{r}.read_records({target}, flex, {nullc});")
    elif optional:
        out.add(f"{r}.read_nullable_{prim}({target}, flex, {nullc});")
    else:
        out.add(f"{r}.read_{prim}({target}, flex);")


def _decode_field(out, block, f, target, r):
    t = f.type
    nullc = null_cond(f)
    if t.is_array:
        out.open("{")
        out.add(f"const int32_t n = {r}.read_array_length(flex, {element_min_size(f, block)});")
        out.open("if (n < 0) {")
        if f.is_optional and nullc == "true":
            out.add(f"{target}.reset();")
        elif f.is_optional:
            out.add(f"if ({nullc}) {target}.reset(); else {r}.fail();")
        else:
            out.add(f"{r}.fail();")
        out.close("} else {")
        out.depth += 1
        out.add(f"auto& v = {target}{'.emplace()' if f.is_optional else ''};")
        out.add("v.resize(static_cast<size_t>(n));")
        out.open("for (auto&& e : v) {")
        if t.struct_name is not None:
            out.add(f"if (!e.decode({r}, version)) {FAIL}")
        else:
            _decode_prim(out, t.prim, "e", r, False, "false")
        out.close()
        out.close()
        out.close()
    elif t.prim is not None:
        _decode_prim(out, t.prim, target, r, f.is_optional, nullc)
    elif f.is_optional and nullc != "false":
        present = f"if ({r}.read_int8() < 0) {target}.reset(); " \
                  f"else if (!{target}.emplace().decode({r}, version)) {FAIL}"
        if nullc == "true":
            out.add(present)
        else:
            out.open(f"if ({nullc}) {{")
            out.add(present)
            out.close("} else {")
            out.depth += 1
            out.add(f"if (!{target}.emplace().decode({r}, version)) {FAIL}")
            out.close()
    elif f.is_optional:
        out.add(f"if (!{target}.emplace().decode({r}, version)) {FAIL}")
    else:
        out.add(f"if (!{target}.decode({r}, version)) {FAIL}")


def _guarded(out, cond, emit):
    if cond is None:
        emit()
    else:
        out.open(f"if ({cond}) {{")
        emit()
        out.close()


def _emit_decode(out, block, struct, top):
    q = qualified(struct)
    out.open(f"bool {q}::decode([[maybe_unused]] {NS}::reader& r, "
             f"[[maybe_unused]] int16_t version) {{")
    if top:
        out.add(f"if (version < min_version || version > max_version) {FAIL}")
        out.add(f"*this = {q}{{}};")
    out.add(f"[[maybe_unused]] const bool flex = {flex_expr(block, struct.valid)};")
    for f in struct.fields:
        if f.tag is not None:
            continue
        _guarded(out, version_cond(f.valid, struct.valid),
                 lambda f=f: _decode_field(out, block, f, f"this->{f.name}", "r"))
    tagged = sorted((f for f in struct.fields if f.tag is not None), key=lambda f: f.tag)
    flex = flex_expr(block, struct.valid)
    if flex != "false":
        out.open("if (flex) {" if flex != "true" else "{")
        if not tagged:
            out.add("r.skip_tagged_fields();")
        else:
            out.add("const uint32_t tag_count = r.read_uvarint();")
            out.open("for (uint32_t k = 0; k < tag_count && r.ok(); ++k) {")
            out.add("const uint32_t tag = r.read_uvarint();")
            out.add(f"{NS}::reader t(r.read_tag_payload());")
            out.add("if (!r.ok()) return false;")
            out.open("switch (tag) {")
            for f in tagged:
                out.open(f"case {f.tag}:")
                cond = version_cond(f.valid, struct.valid)

                def body(f=f):
                    _decode_field(out, block, f, f"this->{f.name}", "t")
                    out.add(f"if (!t.ok() || t.remaining() != 0) {FAIL}")
                _guarded(out, cond, body)
                out.add("break;")
                out.depth -= 1
            out.open("default:")
            out.add("break;  // unknown tags are skipped")
            out.depth -= 1
            out.close()
            out.close()
        out.close()
    out.add("return r.ok();")
    out.close()


# ---------------------------------------------------------------------------------------------
# Encoding


def _encode_prim(out, prim, target, w, optional, nullc):
    if _fixed(prim):
        out.add(f"{w}.write_{prim}({target});")
    elif prim == "records":
        out.add(f"{w}.write_records({target}, flex, {nullc});")
    elif optional:
        out.add(f"{w}.write_nullable_{prim}({target}, flex, {nullc});")
    else:
        out.add(f"{w}.write_{prim}({target}, flex);")


def _encode_elements(out, f, w):
    out.add(f"{w}.write_array_length(static_cast<int32_t>(v.size()), flex);")
    if f.type.struct_name is not None:
        out.add(f"for (const auto& e : v) e.encode({w}, version);")
    else:
        out.open("for (const auto& e : v) {")
        _encode_prim(out, f.type.prim, "e", w, False, "false")
        out.close()


def _encode_field(out, f, target, w):
    t = f.type
    nullc = null_cond(f)
    if t.is_array:
        if f.is_optional:
            out.open(f"if ({target}) {{")
            out.add(f"const auto& v = *{target};")
            _encode_elements(out, f, w)
            out.close("} else {")
            out.depth += 1
            count = {"true": "-1", "false": "0"}.get(nullc, f"({nullc}) ? -1 : 0")
            out.add(f"{w}.write_array_length({count}, flex);")
            out.close()
        else:
            out.open("{")
            out.add(f"const auto& v = {target};")
            _encode_elements(out, f, w)
            out.close()
    elif t.prim is not None:
        _encode_prim(out, t.prim, target, w, f.is_optional, nullc)
    elif f.is_optional:
        q = full_name(f.struct)
        present = (f"if (!{target}) {{ {w}.write_int8(-1); }} else {{ {w}.write_int8(1); "
                   f"{target}->encode({w}, version); }}")
        absent = f"if ({target}) {target}->encode({w}, version); else {q}{{}}.encode({w}, version);"
        if nullc == "true":
            out.add(present)
        elif nullc == "false":
            out.add(absent)
        else:
            out.open(f"if ({nullc}) {{")
            out.add(present)
            out.close("} else {")
            out.depth += 1
            out.add(absent)
            out.close()
    else:
        out.add(f"{target}.encode({w}, version);")


def _emit_encode(out, block, struct):
    q = qualified(struct)
    out.open(f"void {q}::encode([[maybe_unused]] {NS}::writer& w, "
             f"[[maybe_unused]] int16_t version) const {{")
    out.add(f"[[maybe_unused]] const bool flex = {flex_expr(block, struct.valid)};")
    for f in struct.fields:
        if f.tag is not None:
            continue
        _guarded(out, version_cond(f.valid, struct.valid),
                 lambda f=f: _encode_field(out, f, f"this->{f.name}", "w"))
    tagged = sorted((f for f in struct.fields if f.tag is not None), key=lambda f: f.tag)
    flex = flex_expr(block, struct.valid)
    if flex != "false":
        out.open("if (flex) {" if flex != "true" else "{")
        if not tagged:
            out.add("w.write_uvarint(0);")
        else:
            for f in tagged:
                cond = version_cond(f.valid, struct.valid)
                present = f"this->{f.name} != {default_expr(f)}"
                if cond is not None:
                    present = f"({cond}) && {present}"
                out.add(f"const bool send_{f.name} = {present};")
            total = " + ".join(f"(send_{f.name} ? 1u : 0u)" for f in tagged)
            out.add(f"w.write_uvarint({total});")
            for f in tagged:
                out.open(f"if (send_{f.name}) {{")
                out.add(f"w.write_uvarint({f.tag});")
                if f.type.prim is not None and not f.type.is_array and _fixed(f.type.prim):
                    out.add(f"w.write_uvarint({PRIMITIVES[f.type.prim][1]});")
                    _encode_field(out, f, f"this->{f.name}", "w")
                else:
                    out.add(f"{NS}::writer t;")
                    _encode_field(out, f, f"this->{f.name}", "t")
                    out.add("w.write_uvarint(static_cast<uint32_t>(t.size()));")
                    out.add("w.append(std::move(t));")
                out.close()
        out.close()
    out.close()


def emit_source(sf, src, include_dir):
    out = Lines()
    out.add(f"// {sf.stem}.cc: {GENERATED_NOTE.format(src=src)}")
    out.add(f'#include "{include_dir}/{sf.stem}.h"')
    out.add()
    out.add("#include <utility>")
    out.add()
    out.add("namespace sluice::protocol {")
    for b in sf.blocks:
        for s in walk_structs(b):
            out.add()
            _emit_decode(out, b, s, s is b)
            out.add()
            _emit_encode(out, b, s)
    out.add()
    out.add("}  // namespace sluice::protocol")
    return out.text()


__all__ = ["emit_header", "emit_source", "element_type"]
