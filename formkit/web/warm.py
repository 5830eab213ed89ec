"""Loaded by the forkserver of `formkit serve` before it forks any worker, so every worker
starts with the reader, the validator, the form spec and the reference data in memory:
an upload is then checked in milliseconds instead of paying the imports each time."""

from __future__ import annotations

import formkit.check
import formkit.feedback
import formkit.read.extract
import formkit.read.gate
import formkit.read.locate
import formkit.read.xlsx.fast
import formkit.validate
from formkit.forms import load_form_spec
from formkit.reference import load_reference
from formkit.web.reading import SLOW_ENV, check_one, ready

load_form_spec()
load_reference()

__all__ = ["SLOW_ENV", "check_one", "formkit", "ready"]
