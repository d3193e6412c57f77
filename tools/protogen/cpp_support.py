# cpp_support.py: emits the API table, the message list macros and the test sample builders.
"""Emitters for api_table.h/.cc, all_messages.h, samples.h and <stem>_samples.cc."""

from cpp_common import (GENERATED_NOTE, NS, Lines, element_type, full_name, null_cond,
                        scalar_default, version_cond, walk_structs)
from schema_model import INTEGER_RANGES

# ---------------------------------------------------------------------------------------------
# API table


def emit_api_table_header(include_dir):
    return f"""// api_table.h: {GENERATED_NOTE.format(src="every src/protocol/schemas/*.sch")}
#pragma once

#include <cstdint>
#include <span>

namespace sluice::protocol {{

// One API the broker decodes: every schema `request` block contributes one entry, so what
// ApiVersions advertises cannot drift from what we can decode.
struct api_info {{
  int16_t key;
  const char* name;  // the schema name, e.g. "metadata"
  int16_t min_version, max_version, first_flexible_version;  // first_flexible_version -1 = never

  bool supports(int16_t version) const {{ return version >= min_version && version <= max_version; }}
  bool is_flexible(int16_t version) const {{
    return first_flexible_version >= 0 && version >= first_flexible_version;
  }}
}};

// Every API with a request block, sorted by key.
std::span<const api_info> all_apis();
// The entry for `key`, or nullptr when no schema declares it.
const api_info* find_api(int16_t key);

}}  // namespace sluice::protocol
"""


def emit_api_table_source(files, include_dir):
    requests = sorted((b for sf in files for b in sf.blocks if b.kind == "request"),
                      key=lambda b: b.key)
    rows = []
    for b in requests:
        flex = b.flexible if b.flexible is not None else -1
        rows.append(f'    {{{b.key}, "{b.base_name}", {b.versions.lo}, {b.versions.hi}, {flex}}},')
    body = "\n".join(rows) if rows else "    {-1, \"\", 0, -1, -1},  // no schemas: a sentinel"
    count = len(rows)
    return f"""// api_table.cc: {GENERATED_NOTE.format(src="every src/protocol/schemas/*.sch")}
#include "{include_dir}/api_table.h"

#include <algorithm>

namespace sluice::protocol {{

namespace {{
constexpr api_info table[] = {{
{body}
}};
constexpr size_t table_size = {count};
}}  // namespace

std::span<const api_info> all_apis() {{ return {{table, table_size}}; }}

const api_info* find_api(int16_t key) {{
  const api_info* end = table + table_size;
  const api_info* it =
      std::lower_bound(table, end, key, [](const api_info& a, int16_t k) {{ return a.key < k; }});
  return it != end && it->key == key ? it : nullptr;
}}

}}  // namespace sluice::protocol
"""


# ---------------------------------------------------------------------------------------------
# Message list


def emit_all_messages(files, include_dir, macro_prefix):
    out = Lines()
    out.add(f"// all_messages.h: {GENERATED_NOTE.format(src='every schema file')}")
    out.add("// Includes every generated message header and lists the top-level types in X-macros,")
    out.add("// so tests and fuzzers can iterate over all messages without a hand-kept list.")
    out.add("#pragma once")
    out.add()
    for sf in files:
        out.add(f'#include "{include_dir}/{sf.stem}.h"')
    out.add()
    for kind, macro in (("request", "REQUEST"), ("response", "RESPONSE"), ("struct", "STRUCT")):
        names = [b.name for sf in files for b in sf.blocks if b.kind == kind]
        items = "".join(f" \\\n  X({n})" for n in names)
        out.add(f"#define {macro_prefix}_FOR_EACH_{macro}(X){items}")
        out.add()
    out.add(f"#define {macro_prefix}_FOR_EACH_MESSAGE(X) \\")
    out.add(f"  {macro_prefix}_FOR_EACH_REQUEST(X) \\")
    out.add(f"  {macro_prefix}_FOR_EACH_RESPONSE(X) \\")
    out.add(f"  {macro_prefix}_FOR_EACH_STRUCT(X)")
    return out.text()


def emit_samples_header(files, include_dir):
    out = Lines()
    out.add(f"// samples.h: {GENERATED_NOTE.format(src='every schema file')}")
    out.add("// Test support: make_sample<T>(version, variant) for every top-level message T.")
    out.add("#pragma once")
    out.add()
    out.add(f'#include "{include_dir}/all_messages.h"')
    out.add('#include "protocol/testing/sample_support.h"')
    out.add()
    out.add("namespace sluice::protocol::testing {")
    out.add()
    for sf in files:
        for b in sf.blocks:
            out.add("template <>")
            out.add(f"{NS}::{b.name} make_sample<{NS}::{b.name}>(int16_t version, int variant);")
    out.add()
    out.add("}  // namespace sluice::protocol::testing")
    return out.text()


# ---------------------------------------------------------------------------------------------
# Samples


def _scalar_sample(f_prim, dflt):
    if f_prim == "uuid":
        return "sample_uuid(s)"
    if f_prim == "string":
        return f"sample_string(s, {dflt})"
    if f_prim == "bytes":
        return "sample_bytes(s)"
    if f_prim == "records":
        return "sample_records(s)"
    ctype = {"bool": "bool", "float64": "double"}.get(f_prim)
    if ctype is None and f_prim in INTEGER_RANGES:
        ctype = f"{f_prim}_t"
    return f"sample_scalar<{ctype}>(s, {dflt})"


def _fill_field(out, f, target):
    t = f.type
    nullc = null_cond(f)
    take_null = f"s.take_null({nullc})"
    if t.prim == "records" and not t.is_array:
        if nullc == "false":
            out.add(f"{target} = sample_records(s);")
        else:
            out.add(f"{target} = {take_null} ? {NS}::records::make_null() : sample_records(s);")
        return

    def value(dest):
        if t.is_array:
            out.add(f"auto& v = {dest};")
            out.add("v.clear();")
            if t.struct_name is not None:
                out.add("v.resize(2);")
                out.add("for (auto& e : v) fill(e, version, s);")
            else:
                elem = _scalar_sample(t.prim, '""' if t.prim == "string" else
                                      f"{element_type(f)}{{}}")
                out.add(f"for (int i = 0; i < 2; ++i) v.push_back({elem});")
        elif t.struct_name is not None:
            out.add(f"fill({dest}, version, s);")
        else:
            out.add(f"{dest} = {_scalar_sample(t.prim, scalar_default(f))};")

    if f.is_optional:
        out.open(f"if ({take_null}) {{")
        out.add(f"{target}.reset();")
        out.close("} else {")
        out.depth += 1
        value(f"{target}.emplace()" if t.is_array or t.struct_name is not None else f"{target}")
        out.close()
    elif t.is_array:
        out.open("{")
        value(target)
        out.close()
    else:
        value(target)


def _emit_fill(out, struct):
    out.open(f"void fill({full_name(struct)}& x, [[maybe_unused]] int16_t version, "
             f"[[maybe_unused]] sample_state& s) {{")
    for f in struct.fields:
        cond = version_cond(f.valid, struct.valid)
        if cond is None:
            _fill_field(out, f, f"x.{f.name}")
        else:
            out.open(f"if ({cond}) {{")
            _fill_field(out, f, f"x.{f.name}")
            out.close()
    out.close()


def emit_samples_source(sf, src, include_dir):
    out = Lines()
    out.add(f"// {sf.stem}_samples.cc: {GENERATED_NOTE.format(src=src)}")
    out.add("// Test support: builds a sample of each message with every field that exists at a")
    out.add("// version set to a distinctive non-default value (arrays get two elements, nullable")
    out.add("// fields are null on alternate calls).")
    out.add(f'#include "{include_dir}/{sf.stem}.h"')
    out.add('#include "protocol/testing/sample_support.h"')
    out.add()
    out.add("namespace sluice::protocol::testing {")
    out.add()
    out.add("namespace {")
    for b in sf.blocks:
        # Children first, so every fill() overload is declared before it is called.
        for s in reversed(list(walk_structs(b))):
            out.add()
            _emit_fill(out, s)
    out.add()
    out.add("}  // namespace")
    for b in sf.blocks:
        out.add()
        out.add("template <>")
        out.open(f"{NS}::{b.name} make_sample<{NS}::{b.name}>(int16_t version, int variant) {{")
        out.add(f"{NS}::{b.name} x;")
        out.add("sample_state s(version + variant);")
        out.add("fill(x, version, s);")
        out.add("return x;")
        out.close()
    out.add()
    out.add("}  // namespace sluice::protocol::testing")
    return out.text()
