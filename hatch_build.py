"""Hatchling build hook: compile derive's one C module, ``derive/core/_workcount.c`` (the work counter).

It is optional: derive counts the same calls in pure Python where it is missing, only slower. So a
machine with no C compiler or no Python headers gets a warning here and a working derive.

* An editable install (``pip install -e .``, what ``setup.sh`` does) builds it in place, next to its
  source, where the checkout's ``derive`` package is imported from.
* A wheel builds it in a temporary folder and puts it into the wheel (which then is platform-specific).
"""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = os.path.join("derive", "core", "_workcount.c")


def compile_module(root: str, folder: str) -> str | None:
    """Compile ``SOURCE`` into ``folder``; the module's path, or None (with a warning) if it could not be."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    target = os.path.join(folder, "_workcount" + suffix)
    compiler = shlex.split(sysconfig.get_config_var("CC") or "cc")
    include = sysconfig.get_paths()["include"]
    command = [*compiler, "-O2", "-shared", "-fPIC", "-Wall", f"-I{include}", os.path.join(root, SOURCE),
               "-o", target]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"derive: the C work counter was not built ({exc}); derive counts in Python instead, slower",
              file=sys.stderr)
        return None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        print(f"derive: the C work counter was not built ({reason}); derive counts in Python instead, slower",
              file=sys.stderr)
        return None
    return target


class CustomBuildHook(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return  # the sdist carries the C source only
        if version == "editable":
            compile_module(self.root, os.path.join(self.root, "derive", "core"))
            return
        built = compile_module(self.root, tempfile.mkdtemp(prefix="derive-build-"))
        if built is not None:
            build_data["force_include"][built] = "derive/core/" + os.path.basename(built)
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
