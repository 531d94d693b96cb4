"""Files people download from the product's data: spreadsheets (XLSX) written by one safe writer (``xlsx``) —
a campaign's calls (the report's annex) and the dashboard's tables."""
from .calls import campaign_calls
from .dashboard import dashboard_tables
from .xlsx import MIMETYPE, Download

__all__ = ["Download", "MIMETYPE", "campaign_calls", "dashboard_tables"]
