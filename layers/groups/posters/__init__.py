"""The printed safety map: an A4 or A3 poster for the 回覧板 and the school's board.

WeasyPrint lays out HTML and CSS into a PDF; the map in it is inline SVG whose path data
PostGIS draws in the city's plane rectangular zone, so lines and text stay vector at any
print size. Python only assembles strings: the extent, the background, the places and their
numbered markers come out of the database ready to place (queries.py). With a basemap
reachable, 地理院タイル go under the map; without one, the city's own layers are the
background (basemap.py)."""

from layers.groups.posters.document import pdf_of, poster_html, render_poster
from layers.groups.posters.options import Atlas, Orientation, Paper, PosterOptions

__all__ = [
    "Atlas",
    "Orientation",
    "Paper",
    "PosterOptions",
    "pdf_of",
    "poster_html",
    "render_poster",
]
