"""点検結果報告書: one inspection printed on A4 portrait, in Japanese, the way a city files it.

The sheet is laid out from the inspection's detail as the API gives it to the caller
(layers.inspections.reading.inspection_detail), so the printout never shows more than the
screen would: a public caller's copy carries the grades, and findings and photos only once
staff released them. The small map is drawn by the safety-map poster's code
(layers/groups/posters/mapsvg.py) and the page by the poster's WeasyPrint set-up, which
opens no file or URL beyond the document's own."""

from layers.inspections.printing.sheet import report_html

__all__ = ["report_html"]
