"""Report: what people look at or read after a run: contact sheets of crops, the scan table, heatmaps."""

from unmask.report.contact_sheet import contact_sheet
from unmask.report.heatmap import HeatmapWriter, overlay
from unmask.report.table import HEADER, format_row

__all__ = ["HEADER", "HeatmapWriter", "contact_sheet", "format_row", "overlay"]
