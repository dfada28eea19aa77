"""Report: what people look at or read after a run: contact sheets, the scan table, heatmaps, HTML reports.

Drawn from plain data (a scan's JSON dict, arrays, the model card, the Content Credentials), so that it comes
before :mod:`unmask.verdict` in the data flow: a scan result renders itself with it (``ScanResult.save_report``).
"""

from unmask.report.contact_sheet import contact_sheet
from unmask.report.heatmap import HeatmapWriter, overlay
from unmask.report.html import TrackPicture, render_report, write_report
from unmask.report.provenance import Provenance, read_provenance
from unmask.report.table import HEADER, format_row

__all__ = [
    "HEADER",
    "HeatmapWriter",
    "Provenance",
    "TrackPicture",
    "contact_sheet",
    "format_row",
    "overlay",
    "read_provenance",
    "render_report",
    "write_report",
]
