"""The projection as a one-page A4 PDF for a council paper (WeasyPrint, the chart as SVG)."""
