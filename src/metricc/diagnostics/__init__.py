"""Diagnostics: the data, the code table and the renderers."""

from metricc.diagnostics.codes import CODES, Code, Severity
from metricc.diagnostics.model import Diagnostic, Label, diag, has_errors

__all__ = ["CODES", "Code", "Diagnostic", "Label", "Severity", "diag", "has_errors"]
