# Runs the `sluice` CLI (topic/produce/consume/config) as a subprocess, with a timeout each.
#
# Flag spellings follow src/cli (kafka-topics.sh / kafka-configs.sh / console-producer style);
# this file is the one place to adjust if the CLI's surface changes.
from __future__ import annotations

import subprocess
from dataclasses import dataclass

from .broker import sluice_bin

CLI_TIMEOUT_S = 60.0


@dataclass
class CliResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def check(self) -> "CliResult":
        assert self.returncode == 0, (
            f"sluice {' '.join(self.args)} exited {self.returncode}\n"
            f"stdout: {self.stdout[-2000:]}\nstderr: {self.stderr[-2000:]}")
        return self


def run(args: list[str], *, stdin: str | None = None, timeout: float = CLI_TIMEOUT_S) -> CliResult:
    try:
        res = subprocess.run([sluice_bin(), *args], input=(stdin or "").encode(),
                             capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"sluice {' '.join(args)} timed out after {timeout}s; stderr: "
                             f"{(e.stderr or b'')[-2000:]!r}") from e
    return CliResult(args, res.returncode, res.stdout.decode(errors="replace"),
                     res.stderr.decode(errors="replace"))


def topic_create(bootstrap: str, topic: str, partitions: int,
                 configs: dict | None = None) -> CliResult:
    args = ["topic", "create", "--bootstrap-server", bootstrap, "--topic", topic,
            "--partitions", str(partitions)]
    for k, v in (configs or {}).items():
        args += ["--config", f"{k}={v}"]
    return run(args)


def topic_list(bootstrap: str) -> CliResult:
    return run(["topic", "list", "--bootstrap-server", bootstrap])


def topic_describe(bootstrap: str, topic: str) -> CliResult:
    return run(["topic", "describe", "--bootstrap-server", bootstrap, "--topic", topic])


def topic_alter_partitions(bootstrap: str, topic: str, partitions: int) -> CliResult:
    return run(["topic", "alter", "--bootstrap-server", bootstrap, "--topic", topic,
                "--partitions", str(partitions)])


def topic_delete(bootstrap: str, topic: str) -> CliResult:
    return run(["topic", "delete", "--bootstrap-server", bootstrap, "--topic", topic])


def produce_keyed(bootstrap: str, topic: str, pairs: list[tuple[str, str]],
                  separator: str = ":") -> CliResult:
    lines = "".join(f"{k}{separator}{v}\n" for k, v in pairs)
    return run(["produce", "--bootstrap-server", bootstrap, "--topic", topic,
                "--property", "parse.key=true", "--property", f"key.separator={separator}"],
               stdin=lines)


def consume_keyed(bootstrap: str, topic: str, max_messages: int,
                  separator: str = ":") -> CliResult:
    return run(["consume", "--bootstrap-server", bootstrap, "--topic", topic, "--from-beginning",
                "--max-messages", str(max_messages), "--timeout-ms", "30000",
                "--property", "print.key=true", "--property", f"key.separator={separator}"])


def config_set(bootstrap: str, topic: str, key: str, value: str) -> CliResult:
    return run(["config", "set", "--bootstrap-server", bootstrap, "--topic", topic,
                "--add-config", f"{key}={value}"])


def config_get(bootstrap: str, topic: str) -> CliResult:
    return run(["config", "get", "--bootstrap-server", bootstrap, "--topic", topic])


def parse_config_lines(text: str) -> dict[str, str]:
    """`name=value[\\tsource=...]` lines as printed by `sluice config get`."""
    out = {}
    for line in text.splitlines():
        first = line.split("\t", 1)[0].strip()
        if "=" in first:
            k, v = first.split("=", 1)
            out[k.strip()] = v.strip()
    return out
