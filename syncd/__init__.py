"""syncd: email and calendar capture for CRMs."""

__version__ = "0.1.0"
