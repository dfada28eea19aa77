"""Report: what people look at or read after a run (contact sheets now; verdict reports and overlays later)."""

from unmask.report.contact_sheet import contact_sheet

__all__ = ["contact_sheet"]
