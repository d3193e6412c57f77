#!/usr/bin/python3
# protogen_test.py: the schema generator rejects malformed schemas with `path:line: error:` messages.
"""Unit tests for tools/protogen (standard library unittest; run by ctest)."""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "tools", "protogen"))
sys.path.insert(0, TOOLS)

import protogen  # noqa: E402


def errors_for(*files):
    """Writes {name: text} schemas to a temp dir, loads them, returns the error strings."""
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for name, text in files:
            p = os.path.join(d, name)
            with open(p, "w") as fh:
                fh.write(text)
            paths.append(p)
        _, errors = protogen.load_schemas(paths, source_root=d)
        return errors


GOOD = """# ok.sch: a valid schema.
request ok key=500 versions=0-3 flexible=2+
  a int32 v0+
  items []item v1+ null=v2+
    name string v1+
    tagged int64 v2+ tag=0 default=-1
  t string v3+ tag=1 null=v3+ default=null

response ok key=500 versions=0-3 flexible=2+
  error_code int16 v0+
"""


class RejectsBadSchemas(unittest.TestCase):
    def assertError(self, text, line, fragment, name="bad.sch"):
        errors = errors_for((name, text))
        self.assertEqual(len(errors), 1, errors)
        self.assertIn(f"{name}:{line}: error:", errors[0])
        self.assertIn(fragment, errors[0])

    def test_valid_schema_has_no_errors(self):
        self.assertEqual(errors_for(("ok.sch", GOOD)), [])

    def test_odd_indentation(self):
        self.assertError("struct s versions=0-1 flexible=none\n   a int32 v0+\n", 2,
                         "not a multiple of 2")

    def test_tab_indentation(self):
        self.assertError("struct s versions=0-1 flexible=none\n\ta int32 v0+\n", 2, "tab")

    def test_indentation_under_a_primitive(self):
        self.assertError("struct s versions=0-1 flexible=none\n  a int32 v0+\n    b int32 v0+\n",
                         3, "cannot have nested fields")

    def test_indentation_jump(self):
        self.assertError("struct s versions=0-1 flexible=none\n      a int32 v0+\n", 2,
                         "bad indentation")

    def test_unknown_type(self):
        self.assertError("struct s versions=0-1 flexible=none\n  a int33 v0+\n", 2, "unknown type")
        self.assertError("struct s versions=0-1 flexible=none\n  a Foo v0+\n", 2, "unknown type")

    def test_struct_without_fields(self):
        self.assertError("struct s versions=0-1 flexible=none\n  a []thing v0+\n  b int8 v0+\n",
                         2, "unknown type 'thing'")

    def test_struct_name_clashes_with_field_name(self):
        self.assertError("struct s versions=0-1 flexible=none\n  item int32 v0+\n"
                         "  items []item v0+\n    x int8 v0+\n", 3, "clashes with field 'item'")

    def test_tag_outside_flexible_versions(self):
        self.assertError("struct s versions=0-3 flexible=2+\n  a int32 v1+ tag=0\n", 2,
                         "outside flexible versions")

    def test_tag_in_never_flexible_block(self):
        self.assertError("struct s versions=0-3 flexible=none\n  a int32 v0+ tag=0\n", 2,
                         "never flexible")

    def test_duplicate_tags(self):
        self.assertError("struct s versions=0-3 flexible=0+\n  a int32 v0+ tag=1\n"
                         "  b int32 v0+ tag=1\n", 3, "duplicate tag=1")

    def test_duplicate_field(self):
        self.assertError("struct s versions=0-3 flexible=none\n  a int32 v0+\n  a int8 v0+\n", 3,
                         "duplicate field")

    def test_null_on_a_scalar(self):
        self.assertError("struct s versions=0-3 flexible=none\n  a int32 v0+ null=v0+\n", 2,
                         "cannot be nullable")

    def test_default_null_on_a_non_nullable_field(self):
        self.assertError("struct s versions=0-3 flexible=none\n  a string v0+ default=null\n", 2,
                         "never nullable")

    def test_default_out_of_range(self):
        self.assertError("struct s versions=0-3 flexible=none\n  a int8 v0+ default=300\n", 2,
                         "out of range")

    def test_field_versions_outside_the_block(self):
        self.assertError("struct s versions=0-3 flexible=none\n  a int8 v5+\n", 2, "never overlap")

    def test_bad_versions_syntax(self):
        self.assertError("struct s versions=0-3 flexible=none\n  a int8 0+\n", 2, "expected vA+")

    def test_keyword_field_name(self):
        self.assertError("struct s versions=0-3 flexible=none\n  class int8 v0+\n", 2, "keyword")

    def test_reserved_member_name(self):
        self.assertError("request r key=1 versions=0-3 flexible=none\n  api_key int8 v0+\n", 2,
                         "clashes with a generated member")

    def test_unknown_option(self):
        self.assertError("struct s versions=0-3 flexible=none\n  a int8 v0+ ignorable=true\n", 2,
                         "unknown option")

    def test_missing_block_attribute(self):
        self.assertError("request r versions=0-3 flexible=none\n  a int8 v0+\n", 1,
                         "missing 'key='")

    def test_field_before_block(self):
        self.assertError("  a int8 v0+\n", 1, "before any")

    def test_request_response_version_mismatch(self):
        self.assertError("request r key=1 versions=0-3 flexible=none\n  a int8 v0+\n"
                         "response r key=1 versions=0-2 flexible=none\n  a int8 v0+\n", 3,
                         "differ from the request")

    def test_duplicate_api_key_across_files(self):
        errors = errors_for(("a.sch", "request a key=1 versions=0-1 flexible=none\n  x int8 v0+\n"),
                            ("b.sch", "request b key=1 versions=0-1 flexible=none\n  x int8 v0+\n"))
        self.assertEqual(len(errors), 1, errors)
        self.assertIn("b.sch:1: error: API key 1 already has a request block", errors[0])

    def test_each_bad_file_is_reported(self):
        errors = errors_for(("a.sch", "struct a versions=0-1 flexible=none\n  x int33 v0+\n"),
                            ("b.sch", "struct b versions=0-1 flexible=none\n   x int8 v0+\n"))
        self.assertEqual(len(errors), 2, errors)


class CommandLine(unittest.TestCase):
    def test_exit_status_and_message(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "bad.sch")
            with open(p, "w") as fh:
                fh.write("struct s versions=0-1 flexible=none\n  a int33 v0+\n")
            out = os.path.join(d, "out")
            proc = subprocess.run([sys.executable, os.path.join(TOOLS, "protogen.py"),
                                   "--out-dir", out, p], capture_output=True, text=True)
            self.assertEqual(proc.returncode, 1)
            self.assertIn("bad.sch:2: error: unknown type 'int33'", proc.stderr)
            self.assertFalse(os.path.exists(out), "nothing is written on error")

    def test_unchanged_outputs_are_not_rewritten(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "ok.sch")
            with open(p, "w") as fh:
                fh.write(GOOD)
            out = os.path.join(d, "out")
            cmd = [sys.executable, os.path.join(TOOLS, "protogen.py"), "--out-dir", out, p]
            subprocess.run(cmd, check=True)
            header = os.path.join(out, "ok.h")
            os.utime(header, (1, 1))
            subprocess.run(cmd, check=True)
            self.assertEqual(os.stat(header).st_mtime, 1)
            # A stale file from a removed schema is deleted.
            with open(os.path.join(out, "gone.h"), "w") as fh:
                fh.write("")
            subprocess.run(cmd, check=True)
            self.assertFalse(os.path.exists(os.path.join(out, "gone.h")))


if __name__ == "__main__":
    unittest.main()
