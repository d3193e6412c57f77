#!/usr/bin/python3
# protogen.py: generates C++ codecs from Sluice .sch protocol schemas (docs/protocol-schemas.md).
"""Reads every schema given on the command line and writes, into --out-dir:

  <stem>.h, <stem>.cc        structs and their decode/encode bodies, one pair per schema file
  <stem>_samples.cc          make_sample<T>() for tests (built into a separate test library)
  api_table.h, api_table.cc  the table of every request block (unless --no-api-table)
  all_messages.h             includes every header; X-macros listing every message type
  samples.h                  declarations of every make_sample<T>() specialization

Files are rewritten only when their content changes (so unchanged codecs are not recompiled) and
stale .h/.cc files from removed schemas are deleted. Any schema error is printed as
`path:line: error: message` and the exit status is 1; nothing is written in that case.
Standard library only.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cpp_codec import emit_header, emit_source  # noqa: E402
from cpp_support import (emit_all_messages, emit_api_table_header,  # noqa: E402
                         emit_api_table_source, emit_samples_header, emit_samples_source)
from schema import IDENT_RE, SchemaError, parse_file, validate_files  # noqa: E402


def display_path(path, source_root):
    if source_root:
        try:
            rel = os.path.relpath(os.path.abspath(path), os.path.abspath(source_root))
            if not rel.startswith(".."):
                return rel
        except ValueError:
            pass
    return path


def load_schemas(paths, source_root=None):
    """Parses and validates every schema. Returns (files, errors); errors are strings."""
    files = []
    errors = []
    stems = {}
    for path in paths:
        shown = display_path(path, source_root)
        stem = os.path.splitext(os.path.basename(path))[0]
        if not IDENT_RE.match(stem):
            errors.append(f"{shown}:1: error: file name '{stem}' is not a snake_case identifier")
            continue
        if stem in stems:
            errors.append(f"{shown}:1: error: another schema is also named '{stem}' ({stems[stem]})")
            continue
        stems[stem] = shown
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as e:
            errors.append(f"{shown}:1: error: cannot read: {e}")
            continue
        try:
            files.append(parse_file(shown, text, stem))
        except SchemaError as e:
            errors.append(str(e))
    if not errors:
        try:
            validate_files(files)
        except SchemaError as e:
            errors.append(str(e))
    return files, errors


def generate(files, include_dir, macro_prefix, api_table):
    """Returns {file name: content} for every output."""
    outputs = {}
    for sf in files:
        outputs[f"{sf.stem}.h"] = emit_header(sf, sf.path, include_dir)
        outputs[f"{sf.stem}.cc"] = emit_source(sf, sf.path, include_dir)
        outputs[f"{sf.stem}_samples.cc"] = emit_samples_source(sf, sf.path, include_dir)
    if api_table:
        outputs["api_table.h"] = emit_api_table_header(include_dir)
        outputs["api_table.cc"] = emit_api_table_source(files, include_dir)
    outputs["all_messages.h"] = emit_all_messages(files, include_dir, macro_prefix)
    outputs["samples.h"] = emit_samples_header(files, include_dir)
    return outputs


def write_outputs(out_dir, outputs):
    os.makedirs(out_dir, exist_ok=True)
    for name, content in outputs.items():
        path = os.path.join(out_dir, name)
        try:
            with open(path, encoding="utf-8") as fh:
                if fh.read() == content:
                    continue
        except OSError:
            pass
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(content)
        os.replace(tmp, path)
    for name in os.listdir(out_dir):
        if name.endswith((".h", ".cc")) and name not in outputs:
            os.remove(os.path.join(out_dir, name))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", help="where to write the generated files")
    ap.add_argument("--include-dir", default="protocol/generated",
                    help="include path of the generated headers (default protocol/generated)")
    ap.add_argument("--macro-prefix", default="SLUICE_PROTOCOL",
                    help="prefix of the X-macros in all_messages.h")
    ap.add_argument("--no-api-table", action="store_true", help="do not emit api_table.h/.cc")
    ap.add_argument("--source-root", help="show schema paths relative to this directory")
    ap.add_argument("--check", action="store_true", help="only parse and validate")
    ap.add_argument("schemas", nargs="*", help=".sch files")
    args = ap.parse_args(argv)
    if not args.check and not args.out_dir:
        ap.error("--out-dir is required unless --check")
    files, errors = load_schemas(args.schemas, args.source_root)
    if errors:
        for e in errors:
            print(e, file=sys.stderr)
        print(f"protogen: {len(errors)} schema error(s); nothing generated", file=sys.stderr)
        return 1
    if args.check:
        return 0
    outputs = generate(files, args.include_dir, args.macro_prefix, not args.no_api_table)
    write_outputs(args.out_dir, outputs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
