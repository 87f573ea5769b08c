"""One A4 page for a council paper: the 40-year stacked column chart per category with the
budget line (SVG, drawn here), the totals per category and per decade, the scenario(s), the
date and the city. Laid out by WeasyPrint as the inspection sheets and the posters are."""

from __future__ import annotations

import html
import math
from datetime import date
from pathlib import Path
from typing import Any

import weasyprint
from PIL import ImageFile

from layers.planning.projection import man_yen

# Importing WeasyPrint loosens Pillow's truncated-image check for the whole process; this
# page embeds no image, so the strict default is restored (as layers/groups/posters does).
ImageFile.LOAD_TRUNCATED_IMAGES = False

FONT = "IPAPGothic"
FONT_FILE = Path("/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf")


class _Fetcher(weasyprint.urls.URLFetcher):  # type: ignore[misc]
    """The font file only: nothing in the page can make the renderer open anything else."""

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url == FONT_FILE.as_uri():
            return super().fetch(url, headers)
        raise ValueError(f"the projection page loads nothing from {url}")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _oku(value: float) -> str:
    """万円 as 億円 with one decimal, the unit council papers use."""
    return f"{value / 10_000:,.1f}"


def _nice_step(rough: float) -> float:
    power = 10 ** math.floor(math.log10(rough))
    return float(next(n * power for n in (1, 2, 2.5, 5, 10) if rough / power <= n))


def chart_svg(figures: dict[str, Any], width: float = 180, height: float = 80) -> str:
    """Stacked columns per category for each year, the budget as a dashed line (mm units)."""
    years: list[int] = figures["years"]
    categories: list[dict[str, Any]] = figures["categories"]
    budget: float = figures["budget"]
    highest = max([*figures["yearly"], budget, 1.0]) * 1.05
    tick = _nice_step(highest / 5)
    top = math.ceil(highest / tick) * tick
    left, bottom, right, head = 14.0, 8.0, 2.0, 7.0
    plot_w, plot_h = width - left - right, height - bottom - head
    step = plot_w / max(len(years), 1)

    def y_of(value: float) -> float:
        return float(head + plot_h - value / top * plot_h)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
        f'viewBox="0 0 {width} {height}" role="img">',
        f"<title>{_e(figures['scenario']['name_ja'])} 年度別更新費用（億円）</title>",
    ]
    for i in range(round(top / tick) + 1):
        value = tick * i
        y = y_of(value)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.2f}" y2="{y:.2f}" '
            'stroke="#ccc" stroke-width="0.15"/>'
            f'<text x="{left - 1}" y="{y + 1:.2f}" font-size="2.6" text-anchor="end">'
            f"{_oku(value)}</text>"
        )
    for i, year in enumerate(years):
        base = 0.0
        x = left + i * step + step * 0.12
        for category in categories:
            value = category["costs"][i]
            if value <= 0:
                continue
            y0, y1 = y_of(base), y_of(base + value)
            parts.append(
                f'<rect x="{x:.2f}" y="{y1:.2f}" width="{step * 0.76:.2f}" '
                f'height="{y0 - y1:.2f}" fill="{category["colour"]}"/>'
            )
            base += value
        if i % 5 == 0:
            parts.append(
                f'<text x="{x + step * 0.38:.2f}" y="{height - bottom + 3.5}" font-size="2.6" '
                f'text-anchor="middle">{year}</text>'
            )
    by = y_of(budget)
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{by:.2f}" y2="{by:.2f}" stroke="#000" '
        'stroke-width="0.4" stroke-dasharray="1.5 1"/>'
        f'<text x="{left - 1}" y="3" font-size="2.6" text-anchor="end">億円</text></svg>'
    )
    return "".join(parts)


def _legend(categories: list[dict[str, Any]]) -> str:
    return "".join(
        f'<span class="key"><i style="background:{c["colour"]}"></i>{_e(c["name_ja"])}</span>'
        for c in categories
    )


def _table(figures: dict[str, Any], other: dict[str, Any] | None) -> str:
    years: list[int] = figures["years"]
    decades = [(i, min(i + 10, len(years))) for i in range(0, len(years), 10)]
    head = "".join(f"<th>{years[a]}–{years[b - 1]}</th>" for a, b in decades)
    rows = []
    for c in figures["categories"]:
        cells = "".join(f"<td>{_oku(sum(c['costs'][a:b]))}</td>" for a, b in decades)
        rows.append(f"<tr><th>{_e(c['name_ja'])}</th>{cells}<td>{_oku(sum(c['costs']))}</td></tr>")
    totals = "".join(f"<td>{_oku(sum(figures['yearly'][a:b]))}</td>" for a, b in decades)
    rows.append(f'<tr class="sum"><th>合計</th>{totals}<td>{_oku(figures["total"])}</td></tr>')
    if other is not None:
        cells = "".join(f"<td>{_oku(sum(other['yearly'][a:b]))}</td>" for a, b in decades)
        rows.append(
            f'<tr class="other"><th>{_e(other["scenario"]["name_ja"])}</th>{cells}'
            f"<td>{_oku(other['total'])}</td></tr>"
        )
    return (
        '<table class="grid"><thead><tr><th>費用分類（億円）</th>'
        f"{head}<th>40年合計</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


CSS = f"""
@font-face {{ font-family: "{FONT}"; src: url("{FONT_FILE.as_uri()}"); }}
@page {{ size: A4 portrait; margin: 12mm 14mm 14mm; }}
body {{ font-family: "{FONT}"; font-size: 8.5pt; line-height: 1.4; color: #111; margin: 0; }}
h1 {{ font-size: 15pt; margin: 0 0 1mm; }}
.who {{ font-size: 8.5pt; color: #333; margin: 0; }}
.scenario {{ margin: 1.5mm 0; }}
.scenario b {{ font-size: 10pt; }}
.figures {{ display: flex; gap: 4mm; margin: 2mm 0; }}
.figure {{ border: 0.3mm solid #333; padding: 1.5mm 2.5mm; }}
.figure .n {{ font-size: 14pt; font-weight: bold; display: block; }}
.legend {{ font-size: 7pt; margin: 1mm 0 2mm; }}
.key {{ display: inline-block; margin-right: 3mm; }}
.key i {{ display: inline-block; width: 3mm; height: 3mm; margin-right: 1mm;
          vertical-align: -0.4mm; }}
table.grid {{ border-collapse: collapse; width: 100%; font-size: 7.5pt; }}
table.grid th, table.grid td {{ border: 0.2mm solid #777; padding: 0.6mm 1.2mm; }}
table.grid td {{ text-align: right; }}
table.grid th {{ text-align: left; background: #eef1f4; font-weight: normal; }}
tr.sum th, tr.sum td {{ font-weight: bold; }}
tr.other th, tr.other td {{ color: #333; font-style: italic; }}
.note {{ font-size: 7pt; color: #444; margin-top: 2mm; }}
"""


def _figure(label: str, value: float) -> str:
    return f'<div class="figure">{_e(label)}<span class="n">{_oku(value)}億円</span></div>'


def projection_html(
    figures: dict[str, Any],
    other: dict[str, Any] | None,
    city_name: str,
    today: date,
) -> str:
    s = figures["scenario"]
    over = figures["yearly_average"] - figures["budget"]
    versus = ""
    if other is not None:
        diff = other["total"] - figures["total"]
        versus = (
            f'<p class="scenario">比較: <b>{_e(other["scenario"]["name_ja"])}</b> 40年合計 '
            f"{_oku(other['total'])}億円（差 {'+' if diff >= 0 else ''}{_oku(diff)}億円、"
            f"年平均 {_oku(other['yearly_average'])}億円）</p>"
        )
    skipped = figures["not_projected"]["count"]
    years = figures["years"]
    return f"""<!doctype html><html lang="ja"><head><meta charset="utf-8">
<title>公共施設 更新費用試算 {years[0]}–{years[-1]}</title><style>{CSS}</style></head><body>
<p class="who">{_e(city_name)}　作成日 {today.isoformat()}</p>
<h1>公共施設 更新費用の見通し（{years[0]}〜{years[-1]}年度、40年間）</h1>
<p class="scenario">シナリオ: <b>{_e(s["name_ja"])}</b>（{_e(s["name_en"])}）
— {_e(s["description_ja"])}</p>
{versus}
<div class="figures">
{_figure("40年合計", figures["total"])}
{_figure("年平均", figures["yearly_average"])}
{_figure("予算（直近の年平均投資額）", figures["budget"])}
{_figure("不足（年平均）" if over > 0 else "余裕（年平均）", abs(over))}
</div>
{chart_svg(figures)}
<div class="legend">{_legend(figures["categories"])}
<span class="key">--- 予算 {_oku(figures["budget"])}億円/年</span></div>
{_table(figures, other)}
<p class="note">対象 {figures["building_count"]} 棟（延床面積・建築年度・費用分類のない
{skipped} 棟は試算対象外）。金額は億円（1億円 = 10,000万円）。
単価・周期はシナリオの設定による（総務省「公共施設等更新費用試算ソフト」の方法を基本とする）。
40年合計 {man_yen(figures["total"])}万円。</p>
</body></html>"""


def pdf_of(document: str) -> bytes:
    return bytes(weasyprint.HTML(string=document, url_fetcher=_Fetcher(timeout=1)).write_pdf())
